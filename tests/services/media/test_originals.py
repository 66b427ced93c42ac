"""Metadata removal from originals: nothing identifying survives, the pixels are the very
same, the colour profile and the orientation stay, and damage is an error."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from services.media.originals import strip_metadata
from tests.support.factories import images as factory
from tests.support.factories import tagged

ORIENTATION = 0x0112

TAGGED: list[tuple[str, Callable[[], bytes], str, int]] = [
    # name, file, content type, orientation it carries
    ("gps-jpeg", tagged.gps_jpeg, "image/jpeg", 6),
    ("texted-png", tagged.texted_png, "image/png", 1),
    ("exif-webp", tagged.exif_webp, "image/webp", 1),
]


def pixels(data: bytes) -> tuple[tuple[int, int], str, bytes]:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.size, image.mode, image.tobytes()


@pytest.mark.parametrize("case", [pytest.param((m, t, o), id=name) for name, m, t, o in TAGGED])
def test_a_tagged_file_loses_every_secret_and_keeps_pixels_profile_and_orientation(
    case: tuple[Callable[[], bytes], str, int],
) -> None:
    # given a file with GPS, maker, serial, owner, XMP (and IPTC/text where the format has it)
    make, content_type, orientation = case
    data = make()
    assert tagged.has_location(data)
    # when its metadata is removed
    clean = strip_metadata(data, content_type=content_type, orientation=orientation)
    # then nothing identifying is left, parsed back and byte for byte
    assert not tagged.has_location(clean)
    with Image.open(io.BytesIO(clean)) as image:
        exif = dict(image.getexif())
        profile = image.info.get("icc_profile")
    # and orientation is the only tag (where it is not the default), the profile is kept,
    # and the pixels are exactly the uploaded ones (nothing was re-encoded)
    assert exif == ({ORIENTATION: orientation} if orientation != 1 else {})
    assert profile == tagged.srgb_profile()
    assert pixels(clean) == pixels(data)


def test_a_phones_position_is_in_the_heic_before_it_is_converted() -> None:
    # given the phone-like HEIC (checked end to end in tests/graph/media/test_renditions.py)
    data = tagged.phone_heic()
    # then it really carries the secrets the pipeline must drop
    assert tagged.has_location(data)
    with pytest.raises(ValueError, match="no lossless"):
        strip_metadata(data, content_type="image/heic")


def test_anything_after_the_jpeg_ends_is_dropped() -> None:
    # given a JPEG with a ZIP appended (a polyglot; cameras append MPF images the same way)
    photo = factory.photo_jpeg(160, 120, seed=3)
    # when it is cleaned
    clean = strip_metadata(photo + factory.zip_archive(), content_type="image/jpeg")
    # then it ends at its EOI marker and no payload is left
    assert clean == strip_metadata(photo, content_type="image/jpeg")
    assert clean.endswith(b"\xff\xd9") and b"payload.html" not in clean
    assert pixels(clean) == pixels(photo)


def test_a_gif_keeps_its_frames_and_loop_and_loses_its_comment() -> None:
    # given an animated GIF with a comment
    buffer = io.BytesIO()
    first, *rest = (Image.new("RGB", (40, 30), c) for c in (factory.RED, factory.BLUE))
    first.save(buffer, "GIF", save_all=True, append_images=rest, loop=0, duration=50,
               comment=tagged.TEXT_PLACE)  # fmt: skip
    data = buffer.getvalue()
    assert tagged.TEXT_PLACE.encode() in data
    # when it is cleaned
    clean = strip_metadata(data, content_type="image/gif")
    # then the comment is gone and the animation is intact
    assert tagged.TEXT_PLACE.encode() not in clean
    with Image.open(io.BytesIO(clean)) as image:
        assert (image.n_frames, image.info.get("loop")) == (2, 0)


def test_an_animated_webp_keeps_its_frames() -> None:
    data = factory.animated_webp(60, 40)
    clean = strip_metadata(data, content_type="image/webp")
    with Image.open(io.BytesIO(clean)) as image:
        assert image.n_frames == 3


def test_a_png_orientation_is_kept_as_the_only_tag() -> None:
    # given a PNG whose eXIf chunk says orientation 8 next to a GPS position
    buffer = io.BytesIO()
    factory.corner_marked(60, 40).save(buffer, "PNG", exif=tagged.camera_exif(8))
    # when it is cleaned with that orientation
    clean = strip_metadata(buffer.getvalue(), content_type="image/png", orientation=8)
    # then only the orientation is left
    with Image.open(io.BytesIO(clean)) as image:
        image.load()
        assert dict(image.getexif()) == {ORIENTATION: 8}
    assert not tagged.has_location(clean)


@pytest.mark.parametrize(
    ("content_type", "make"),
    [
        ("image/jpeg", lambda: factory.photo_jpeg(200, 150)),
        ("image/png", factory.rgba_png),
        ("image/webp", tagged.exif_webp),
        ("image/gif", factory.animated_gif),
    ],
)
def test_a_cut_off_file_is_an_error(content_type: str, make: Callable[[], bytes]) -> None:
    with pytest.raises(EOFError):
        strip_metadata(factory.truncated(make()), content_type=content_type)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(1, 90),
    height=st.integers(1, 90),
    orientation=st.integers(1, 8),
    progressive=st.booleans(),
    restart=st.sampled_from([0, 1, 4]),
    quality=st.integers(5, 100),
)
def test_jpeg_cleaning_keeps_pixels_and_is_idempotent(  # noqa: PLR0917 (hypothesis's)
    width: int, height: int, orientation: int, progressive: bool, restart: int, quality: int
) -> None:
    # given any JPEG (baseline or progressive, with or without restart markers) with EXIF
    buffer = io.BytesIO()
    factory.photo_like(width, height, seed=width * height).save(
        buffer,
        "JPEG",
        quality=quality,
        progressive=progressive,
        restart_marker_blocks=restart,
        exif=tagged.camera_exif(orientation).tobytes(),
    )
    data = buffer.getvalue()
    # when it is cleaned, and cleaned again
    once = strip_metadata(data, content_type="image/jpeg", orientation=orientation)
    twice = strip_metadata(once, content_type="image/jpeg", orientation=orientation)
    # then the pixels are the same, nothing identifying is left, and cleaning is idempotent
    assert pixels(once) == pixels(data)
    assert not tagged.has_location(once)
    assert once == twice
