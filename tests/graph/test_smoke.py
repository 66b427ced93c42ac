from tests.support import Api

ME = "{ me { id email role profile { jobTitle manager { email } } } }"


def test_me_answers_for_the_demo_user(api: Api, user_token: str) -> None:
    # given the seeded demo user signed in
    # when they ask who they are
    data = api.data(ME, token=user_token)
    # then their profile and their manager come back
    assert data["me"]["email"] == "user@example.com"
    assert data["me"]["role"] == "USER"
    assert data["me"]["profile"]["manager"]["email"] == "manager@example.com"
