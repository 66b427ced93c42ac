"""Per-client budgets: a leaky bucket of query-cost points per viewer (per IP when
anonymous), in this process or shared by every process through Redis."""

from services.limits.budget import Budget, Charge, LocalBudget, RedisBudget, budget_for

__all__ = ["Budget", "Charge", "LocalBudget", "RedisBudget", "budget_for"]
