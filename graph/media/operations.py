"""Queries and mutations for uploads, media and image collections."""

from __future__ import annotations

import strawberry

from graph.context import Info
from graph.inputs import CreateImageCollectionInput, RequestUploadInput
from graph.nodes import ImageCollection, Media, UploadTicket
from resolvers import media as resolvers
from services.media import collections


@strawberry.type
class MediaQuery:
    @strawberry.field
    async def media(self, info: Info, id: strawberry.ID) -> Media | None:
        found = await resolvers.media_item(info.context, id)
        return Media.of(found) if found else None

    @strawberry.field
    async def image_collection(self, info: Info, id: strawberry.ID) -> ImageCollection | None:
        found = await resolvers.collection(info.context, id)
        return ImageCollection.of(found) if found else None


@strawberry.type
class MediaMutation:
    @strawberry.mutation(
        description="A PENDING_UPLOAD media item and a presigned POST for its file (15 minutes)."
    )
    async def request_upload(self, info: Info, input: RequestUploadInput) -> UploadTicket:
        ticket = await resolvers.request_upload(
            info.context,
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
        return Media.of(await resolvers.complete_upload(info.context, media_id))

    @strawberry.mutation(description="Delete the media item, its file and its thumbnails.")
    async def delete_media(self, info: Info, id: strawberry.ID) -> bool:
        return await resolvers.delete_media(info.context, id)

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
