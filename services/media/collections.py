"""Image collections (seeds 000/001): named, ordered lists of a user's READY images.

Stored in the image-collections table under (userId, collectionId). The public id is
`<userId>:<collectionId>` so a collection is found by id alone with one GetItem; the userId
half is the partition, and access is decided from the stored owner, so editing the id can
only ever point at a collection that is checked like any other.
"""

from __future__ import annotations

import uuid
from typing import Any

from services.auth.access import Viewer
from services.auth.identity import Identity
from services.media.items import get_media
from services.media.records import (
    CollectionOrderField,
    ImageCollection,
    MediaKind,
    MediaStatus,
    collections_counter,
)
from services.platform import clock, validation
from services.platform.errors import BadInput, NotFound
from services.runtime.wiring import Runtime
from services.store.dynamo import get_item
from services.store.pagination import Direction, Order, Slice, partition_page
from services.store.tables import IMAGE_COLLECTIONS
from services.store.versioned import check_version, create, delete, save_changes, stamp_new

MAX_IMAGES = 500  # keeps an item far below DynamoDB's 400 KB


def public_id(collection: ImageCollection) -> str:
    """The id clients see: `<userId>:<collectionId>`."""
    return f"{collection.user_id}:{collection.collection_id}"


def _split(collection_id: str) -> tuple[str, str]:
    user_id, sep, own_id = validation.identifier(collection_id).partition(":")
    if not sep or not user_id or not own_id or ":" in own_id:
        raise BadInput("id is not a valid image collection id", field="id")
    return user_id, own_id


def _name(value: str) -> str:
    return validation.required_text(value, field="name", max_length=100)


async def _get(*, runtime: Runtime, collection_id: str) -> ImageCollection | None:
    user_id, own_id = _split(collection_id)
    item = await get_item(
        aws=runtime.aws,
        table=runtime.tables.image_collections,
        key={"userId": user_id, "collectionId": own_id},
    )
    return ImageCollection.from_item(item) if item else None


async def get_readable(
    *, runtime: Runtime, viewer: Viewer, collection_id: str
) -> ImageCollection | None:
    """One collection the caller may read (owner, their manager, admin), or None."""
    viewer.require()
    found = await _get(runtime=runtime, collection_id=collection_id)
    if found is not None:
        await viewer.check_owned(found.user_id, what="this image collection")
    return found


async def _changeable(
    *, runtime: Runtime, viewer: Viewer, collection_id: str
) -> tuple[ImageCollection, Identity]:
    found = await get_readable(runtime=runtime, viewer=viewer, collection_id=collection_id)
    if found is None:
        raise NotFound("no image collection with this id")
    actor = viewer.check_self_or_admin(found.user_id, what="this image collection")
    return found, actor


async def _usable_images(*, runtime: Runtime, viewer: Viewer, media_ids: list[str]) -> list[str]:
    """`media_ids` without duplicates, each a READY image the caller may see."""
    wanted = list(dict.fromkeys(validation.identifier(i, field="mediaIds") for i in media_ids))
    found = await get_media(runtime=runtime, ids=wanted)
    bad = []
    for media_id in wanted:
        media = found.get(media_id)
        if (
            media is None
            or media.kind is not MediaKind.IMAGE
            or media.status is not MediaStatus.READY
            or not await viewer.can_read_owned(media.user_id)
        ):
            bad.append(media_id)
    if bad:
        raise BadInput(
            f"not READY images you may use: {', '.join(bad)}", field="mediaIds", mediaIds=bad
        )
    return wanted


def _check_size(media_ids: list[str]) -> None:
    if len(media_ids) > MAX_IMAGES:
        raise BadInput(f"a collection holds at most {MAX_IMAGES} images", field="mediaIds")


async def create_collection(
    *, runtime: Runtime, viewer: Viewer, name: str, media_ids: list[str]
) -> ImageCollection:
    """A new collection owned by the caller, images in the given order."""
    actor = viewer.require()
    clean_name = _name(name)
    images = await _usable_images(runtime=runtime, viewer=viewer, media_ids=media_ids)
    _check_size(images)
    collection = ImageCollection(
        user_id=actor.user_id,
        collection_id=str(uuid.uuid4()),
        name=clean_name,
        media_ids=images,
        **stamp_new(actor, clock.now_iso()),
    )
    await create(
        runtime=runtime,
        puts=[(runtime.tables.image_collections, collection, "collectionId")],
        actor=actor,
        entity_type="ImageCollection",
        entity_id=public_id(collection),
        owner_id=actor.user_id,
    )
    return collection


async def _save(
    *,
    runtime: Runtime,
    actor: Identity,
    collection: ImageCollection,
    changes: dict[str, Any],
    action: str,
) -> ImageCollection:
    return await save_changes(
        runtime=runtime,
        table=runtime.tables.image_collections,
        key={"userId": collection.user_id, "collectionId": collection.collection_id},
        record=collection,
        changes=changes,
        actor=actor,
        entity_type="ImageCollection",
        entity_id=public_id(collection),
        owner_id=collection.user_id,
        action=action,
    )


async def add_images(
    *,
    runtime: Runtime,
    viewer: Viewer,
    collection_id: str,
    media_ids: list[str],
    expected_version: int | None = None,
) -> ImageCollection:
    """Append images (already present ones keep their place)."""
    collection, actor = await _changeable(
        runtime=runtime, viewer=viewer, collection_id=collection_id
    )
    check_version(collection, expected_version)
    images = await _usable_images(runtime=runtime, viewer=viewer, media_ids=media_ids)
    merged = list(dict.fromkeys([*collection.media_ids, *images]))
    _check_size(merged)
    return await _save(
        runtime=runtime,
        actor=actor,
        collection=collection,
        changes={"media_ids": merged},
        action="ADD_IMAGES",
    )


async def remove_images(
    *,
    runtime: Runtime,
    viewer: Viewer,
    collection_id: str,
    media_ids: list[str],
    expected_version: int | None = None,
) -> ImageCollection:
    """Remove images; ids not in the collection are ignored (removing is idempotent)."""
    collection, actor = await _changeable(
        runtime=runtime, viewer=viewer, collection_id=collection_id
    )
    check_version(collection, expected_version)
    gone = set(media_ids)
    return await _save(
        runtime=runtime,
        actor=actor,
        collection=collection,
        changes={"media_ids": [i for i in collection.media_ids if i not in gone]},
        action="REMOVE_IMAGES",
    )


async def rename(
    *,
    runtime: Runtime,
    viewer: Viewer,
    collection_id: str,
    name: str,
    expected_version: int | None = None,
) -> ImageCollection:
    """Give a collection a new name."""
    collection, actor = await _changeable(
        runtime=runtime, viewer=viewer, collection_id=collection_id
    )
    check_version(collection, expected_version)
    return await _save(
        runtime=runtime,
        actor=actor,
        collection=collection,
        changes={"name": _name(name)},
        action="RENAME",
    )


async def delete_collection(*, runtime: Runtime, viewer: Viewer, collection_id: str) -> bool:
    """Delete a collection (its images stay)."""
    collection, actor = await _changeable(
        runtime=runtime, viewer=viewer, collection_id=collection_id
    )
    await delete(
        runtime=runtime,
        table=runtime.tables.image_collections,
        key={"userId": collection.user_id, "collectionId": collection.collection_id},
        record=collection,
        actor=actor,
        entity_type="ImageCollection",
        entity_id=public_id(collection),
        owner_id=collection.user_id,
    )
    return True


async def by_user_page(
    *, runtime: Runtime, user_id: str, first: int, after: str | None, order: Order | None = None
) -> Slice[ImageCollection]:
    """One page of a user's collections, last changed first unless `order` says otherwise (a
    sorted index over userId). Callers check access first."""
    return await partition_page(
        runtime=runtime,
        spec=IMAGE_COLLECTIONS,
        attribute="userId",
        value=user_id,
        scope=f"collections:user:{user_id}",
        first=first,
        after=after,
        build=ImageCollection.from_item,
        count_keys=(collections_counter(user_id),),
        order=order or Order(CollectionOrderField.UPDATED, Direction.DESC),
    )
