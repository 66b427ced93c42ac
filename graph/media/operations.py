"""Queries, mutations and the subscription for uploads, media and image collections."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from graph.context import Info
from graph.live.streams import guarded
from graph.media.inputs import CreateImageCollectionInput, RequestUploadInput
from graph.media.types import ImageCollection, Media, UploadTicket
from resolvers import live
from resolvers import media as resolvers
from resolvers.memo import IdentityMemo
from services.media import collections, items, pipeline
from services.media.records import Media as MediaRecord

# One GraphQL object per event (not per subscriber), so identical subscriptions can share
# one execution of their selection (graph/live/executions.py).
_media_objects: IdentityMemo[MediaRecord, Media] = IdentityMemo()


@strawberry.type
class MediaQuery:
    @strawberry.field
    async def media(self, info: Info, id: strawberry.ID) -> Media | None:
        found = await resolvers.media_item(info.context, id)
        return Media.of(found) if found else None

    @strawberry.field
    async def image_collection(self, info: Info, id: strawberry.ID) -> ImageCollection | None:
        ctx = info.context
        found = await collections.get_readable(
            runtime=ctx.runtime, viewer=ctx.viewer, collection_id=id
        )
        return ImageCollection.of(found) if found else None


@strawberry.type
class MediaMutation:
    @strawberry.mutation(
        description="A PENDING_UPLOAD media item and a presigned POST for its file (15 minutes)."
    )
    async def request_upload(self, info: Info, input: RequestUploadInput) -> UploadTicket:
        ctx = info.context
        ticket = await items.request_upload(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            filename=input.filename,
            content_type=input.content_type,
            size=input.size,
            kind=input.kind,
            submission_id=input.submission_id,
        )
        return UploadTicket.of(ticket)

    @strawberry.mutation(
        description="Process an uploaded file now (where no S3 event arrives); repeatable."
    )
    async def complete_upload(self, info: Info, media_id: strawberry.ID) -> Media:
        ctx = info.context
        return Media.of(
            await pipeline.complete_upload(
                runtime=ctx.runtime, viewer=ctx.viewer, media_id=media_id
            )
        )

    @strawberry.mutation(description="Delete the media item, its file and its thumbnails.")
    async def delete_media(self, info: Info, id: strawberry.ID) -> bool:
        ctx = info.context
        return await items.delete_media(runtime=ctx.runtime, viewer=ctx.viewer, media_id=id)

    @strawberry.mutation
    async def create_image_collection(
        self, info: Info, input: CreateImageCollectionInput
    ) -> ImageCollection:
        ctx = info.context
        created = await collections.create_collection(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            name=input.name,
            media_ids=[str(i) for i in input.media_ids],
        )
        return ImageCollection.of(created)

    @strawberry.mutation(description="Append images; ones already in the collection stay put.")
    async def add_images_to_collection(
        self,
        info: Info,
        id: strawberry.ID,
        media_ids: list[strawberry.ID],
        expected_version: int | None = None,
    ) -> ImageCollection:
        ctx = info.context
        updated = await collections.add_images(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            collection_id=id,
            media_ids=[str(i) for i in media_ids],
            expected_version=expected_version,
        )
        return ImageCollection.of(updated)

    @strawberry.mutation
    async def remove_images_from_collection(
        self,
        info: Info,
        id: strawberry.ID,
        media_ids: list[strawberry.ID],
        expected_version: int | None = None,
    ) -> ImageCollection:
        ctx = info.context
        updated = await collections.remove_images(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            collection_id=id,
            media_ids=[str(i) for i in media_ids],
            expected_version=expected_version,
        )
        return ImageCollection.of(updated)

    @strawberry.mutation
    async def rename_image_collection(
        self, info: Info, id: strawberry.ID, name: str, expected_version: int | None = None
    ) -> ImageCollection:
        ctx = info.context
        updated = await collections.rename(
            runtime=ctx.runtime,
            viewer=ctx.viewer,
            collection_id=id,
            name=name,
            expected_version=expected_version,
        )
        return ImageCollection.of(updated)

    @strawberry.mutation(description="Delete a collection; its images stay.")
    async def delete_image_collection(self, info: Info, id: strawberry.ID) -> bool:
        ctx = info.context
        return await collections.delete_collection(
            runtime=ctx.runtime, viewer=ctx.viewer, collection_id=id
        )


@strawberry.type
class MediaSubscription:
    @strawberry.subscription(
        description=(
            "Status changes (PROCESSING, READY, FAILED) of one media item, or of all the "
            "caller may see: their own, a manager's team's, everything for an admin."
        )
    )
    async def media_status_changed(
        self, info: Info, media_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Media, None]:
        async for record in guarded(live.media_changes(info.context, media_id)):
            yield _media_objects(record, Media.of)
