"""The image-processing core of the upload pipeline, against a corpus generated in code."""

from __future__ import annotations

import base64
import io
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import thumbhash
from PIL import Image, ImageChops, ImageCms, ImageFile, ImageOps, ImageStat, JpegImagePlugin

from services.media.imaging import (
    ImageRejected,
    ProcessedImage,
    Thumbnail,
    make_thumbnails,
    sniff_content_type,
)
from services.media.records import ThumbnailFormat
from tests.support.factories import images as factory
from tests.support.factories import tagged
from tests.support.factories.images import BLUE, GREEN, RED, YELLOW

Colour = tuple[int, int, int]
WHITE: Colour = (255, 255, 255)
BLACK: Colour = (0, 0, 0)
CYAN: Colour = (0, 255, 255)


def decode(thumbnail: Thumbnail) -> Image.Image:
    image = Image.open(io.BytesIO(thumbnail.data))
    image.load()
    return image


def colour_at(image: Image.Image, fx: float, fy: float) -> Colour:
    """The pixel at a fraction of the width and height, as RGB."""
    x = min(image.width - 1, int(fx * image.width))
    y = min(image.height - 1, int(fy * image.height))
    pixel = image.convert("RGB").getpixel((x, y))
    assert isinstance(pixel, tuple)
    return (int(pixel[0]), int(pixel[1]), int(pixel[2]))


def assert_close(actual: Colour, expected: Colour, tolerance: int = 16) -> None:
    assert all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True)), (
        f"{actual} is not within {tolerance} of {expected}"
    )


def nearest(colour: Colour) -> str:
    named = {"red": RED, "green": GREEN, "blue": BLUE, "yellow": YELLOW}
    return min(
        named, key=lambda n: sum((a - b) ** 2 for a, b in zip(colour, named[n], strict=True))
    )


def corners(image: Image.Image) -> tuple[str, str, str, str]:
    """Named colours at top-left, top-right, bottom-left, bottom-right (12% inset)."""
    return (
        nearest(colour_at(image, 0.12, 0.12)),
        nearest(colour_at(image, 0.88, 0.12)),
        nearest(colour_at(image, 0.12, 0.88)),
        nearest(colour_at(image, 0.88, 0.88)),
    )


def reason_for(data: bytes, **options: Any) -> str:
    with pytest.raises(ImageRejected) as caught:
        make_thumbnails(data, **options)
    assert str(caught.value) == caught.value.reason
    return caught.value.reason


# --- EXIF orientation -------------------------------------------------------------------


def test_exif_6_landscape_is_delivered_portrait_with_the_marker_top_right() -> None:
    # given a landscape-stored photo tagged "rotate 90 degrees clockwise to display",
    # with a red marker in its stored top-left corner
    data = factory.photo_jpeg(1200, 800, orientation=6, marker=RED)

    # when
    result = make_thumbnails(data)

    # then the original and both thumbnails are portrait
    assert (result.width, result.height) == (800, 1200)
    assert (result.thumbnails[400].width, result.thumbnails[400].height) == (400, 600)
    assert (result.thumbnails[200].width, result.thumbnails[200].height) == (200, 300)
    # and the marker moved from the stored top-left to the displayed top-right
    for width in (200, 400):
        image = decode(result.thumbnails[width])
        assert image.size == (result.thumbnails[width].width, result.thumbnails[width].height)
        assert_close(colour_at(image, 0.95, 0.03), RED, tolerance=40)
        assert nearest(colour_at(image, 0.03, 0.03)) != "red"


# Displayed colours (TL, TR, BL, BR) of a stored red/green/blue/yellow image, from the
# EXIF 2.3 definition of each orientation value.
EXPECTED_CORNERS = {
    1: ("red", "green", "blue", "yellow"),
    2: ("green", "red", "yellow", "blue"),
    3: ("yellow", "blue", "green", "red"),
    4: ("blue", "yellow", "red", "green"),
    5: ("red", "blue", "green", "yellow"),
    6: ("blue", "red", "yellow", "green"),
    7: ("yellow", "green", "blue", "red"),
    8: ("green", "yellow", "red", "blue"),
}


@pytest.mark.parametrize("orientation", sorted(EXPECTED_CORNERS))
def test_every_exif_orientation_matches_the_spec_and_pillows_exif_transpose(
    orientation: int,
) -> None:
    # given a 1600x1200 JPEG (big enough to be drafted) with a colour in each corner
    data = factory.encode(factory.corner_marked(1600, 1200), "JPEG", orientation=orientation)
    reference = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))

    # when
    result = make_thumbnails(data)

    # then the displayed size and the corners agree with the spec and with Pillow
    swapped = orientation >= 5
    assert (result.width, result.height) == ((1200, 1600) if swapped else (1600, 1200))
    assert reference.size == (result.width, result.height)
    for width in (200, 400):
        image = decode(result.thumbnails[width])
        assert image.width == width
        assert corners(image) == EXPECTED_CORNERS[orientation]
        assert corners(image) == corners(reference)


# --- sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "orientation", "displayed"),
    [
        ((1600, 1200), None, (1600, 1200)),
        ((1200, 1600), None, (1200, 1600)),
        ((1001, 333), None, (1001, 333)),
        ((1600, 900), 6, (900, 1600)),
        ((1600, 900), 8, (900, 1600)),
        ((777, 1999), 3, (777, 1999)),
        ((401, 4000), 5, (4000, 401)),
    ],
)
def test_widths_are_exact_and_heights_follow_the_displayed_aspect_ratio(
    stored: tuple[int, int], orientation: int | None, displayed: tuple[int, int]
) -> None:
    # given
    data = factory.photo_jpeg(*stored, orientation=orientation, quality=85)

    # when
    result = make_thumbnails(data)

    # then
    assert (result.width, result.height) == displayed
    assert result.format == "JPEG"
    assert sorted(result.thumbnails) == [200, 400]
    for width, thumbnail in result.thumbnails.items():
        assert thumbnail.width == width
        assert abs(thumbnail.height - width * displayed[1] / displayed[0]) <= 0.5
        assert thumbnail.content_type == "image/jpeg"
        image = decode(thumbnail)
        assert (image.format, image.mode, image.size) == (
            "JPEG",
            "RGB",
            (thumbnail.width, thumbnail.height),
        )


def test_thumbnails_look_like_a_full_size_lanczos_resize() -> None:
    # given a photo-like JPEG and the slow reference pipeline: full decode, exif_transpose,
    # one Lanczos resize per size, the same JPEG settings
    data = factory.photo_jpeg(2400, 1600, orientation=6, seed=3)
    original = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))

    # when
    result = make_thumbnails(data)

    # then the reduced-scale decode and the 400 -> 200 cascade differ from it by about one
    # level in 255 (JPEG q80 alone costs 2-6 levels on this noisy image, so the reference
    # is encoded too; a misplaced or misoriented thumbnail differs by tens of levels)
    for width, thumbnail in result.thumbnails.items():
        ours = decode(thumbnail)
        reference = original.resize(ours.size, Image.Resampling.LANCZOS)
        reference = Image.open(io.BytesIO(factory.encode(reference, "JPEG", quality=80)))
        mean_error = ImageStat.Stat(ImageChops.difference(ours, reference)).mean
        assert max(mean_error) < 2.0, (width, mean_error)


def test_jpeg_is_decoded_once_at_reduced_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a 1600x1200 JPEG, once upright and once tagged orientation 6, and a spy on load
    sizes_at_load: list[tuple[int, int]] = []
    original_load = JpegImagePlugin.JpegImageFile.load

    def spy(self: JpegImagePlugin.JpegImageFile) -> Any:
        if self.tile:  # a load that decodes pixels, not a no-op repeat
            sizes_at_load.append(self.size)
        return original_load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)

    # when
    make_thumbnails(factory.photo_jpeg(1600, 1200))
    make_thumbnails(factory.photo_jpeg(1600, 1200, orientation=6))

    # then upright 1600 px covers 400 at 1/4; rotated, the 1200 px side must cover 400: 1/2
    assert sizes_at_load == [(400, 300), (800, 600)]


def test_a_small_image_is_never_upscaled() -> None:
    # given a 50x50 PNG
    data = factory.tiny(50, 50)

    # when
    result = make_thumbnails(data)

    # then both thumbnails keep the original width
    assert (result.width, result.height, result.format) == (50, 50, "PNG")
    for thumbnail in result.thumbnails.values():
        assert (thumbnail.width, thumbnail.height) == (50, 50)
        assert corners(decode(thumbnail)) == ("red", "green", "blue", "yellow")


def test_only_the_targets_above_the_original_width_are_capped() -> None:
    # given a 300 px wide image
    data = factory.photo_jpeg(300, 150)

    # when
    result = make_thumbnails(data)

    # then 200 is made, 400 stays at 300
    assert (result.thumbnails[200].width, result.thumbnails[200].height) == (200, 100)
    assert (result.thumbnails[400].width, result.thumbnails[400].height) == (300, 150)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_65000_px_wide_strip_gives_one_pixel_high_thumbnails(fmt: str) -> None:
    # given a 65,000 x 10 strip
    data = factory.wide_strip(65_000, 10, fmt=fmt)

    # when
    result = make_thumbnails(data)

    # then it is accepted, and heights are clamped to 1 px instead of rounding to 0
    assert (result.width, result.height) == (65_000, 10)
    for width, thumbnail in result.thumbnails.items():
        assert (thumbnail.width, thumbnail.height) == (width, 1)
        assert decode(thumbnail).size == (width, 1)


def test_custom_widths_and_quality() -> None:
    # given
    data = factory.photo_jpeg(1000, 500)

    # when
    small = make_thumbnails(data, widths=(300, 100), quality=30)
    large = make_thumbnails(data, widths=(300, 100), quality=95)

    # then every width is made, and quality changes the encoding
    assert sorted(small.thumbnails) == [100, 300]
    assert (small.thumbnails[100].width, small.thumbnails[100].height) == (100, 50)
    assert len(small.thumbnails[300].data) < len(large.thumbnails[300].data)


@pytest.mark.parametrize(
    "options",
    [{"widths": ()}, {"widths": (0, 200)}, {"quality": 0}, {"quality": 101}, {"max_pixels": 0}],
)
def test_bad_arguments_are_programming_errors(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make_thumbnails(factory.tiny(), **options)


# --- colour modes -----------------------------------------------------------------------


def test_cmyk_jpeg_becomes_rgb() -> None:
    # given a CMYK JPEG, cyan left, black right
    # when
    result = make_thumbnails(factory.cmyk_jpeg(800, 600))

    # then
    image = decode(result.thumbnails[400])
    assert image.mode == "RGB"
    assert_close(colour_at(image, 0.1, 0.5), CYAN)
    assert_close(colour_at(image, 0.9, 0.5), BLACK)


def test_16_bit_png_is_scaled_not_clipped() -> None:
    # given a 16-bit ramp from 0 to 65535
    # when
    result = make_thumbnails(factory.png_16bit(800, 100))

    # then the 8-bit output keeps the ramp (clipping would make everything past 1/256 white)
    image = decode(result.thumbnails[400])
    assert_close(colour_at(image, 0.0, 0.5), BLACK, tolerance=6)
    assert_close(colour_at(image, 0.5, 0.5), (128, 128, 128), tolerance=6)
    assert_close(colour_at(image, 0.999, 0.5), WHITE, tolerance=6)


@pytest.mark.parametrize(
    ("data", "transparent_at", "opaque_at", "opaque_colour"),
    [
        (factory.palette_png_with_transparency(), (0.1, 0.5), (0.9, 0.5), RED),
        (factory.la_png(), (0.1, 0.5), (0.9, 0.5), BLACK),
        (factory.rgba_png(), (0.5, 0.1), (0.5, 0.9), BLUE),
    ],
    ids=["P-with-transparency", "LA", "RGBA"],
)
def test_alpha_is_composited_on_white(
    data: bytes,
    transparent_at: tuple[float, float],
    opaque_at: tuple[float, float],
    opaque_colour: Colour,
) -> None:
    # given an image that is half transparent
    # when
    result = make_thumbnails(data)

    # then the transparent half is white and the opaque half keeps its colour
    for thumbnail in result.thumbnails.values():
        image = decode(thumbnail)
        assert image.mode == "RGB"
        assert_close(colour_at(image, *transparent_at), WHITE)
        assert_close(colour_at(image, *opaque_at), opaque_colour)


@pytest.mark.parametrize(
    ("make", "fmt"), [(factory.animated_gif, "GIF"), (factory.animated_webp, "WEBP")]
)
def test_animations_use_the_first_frame(make: Callable[[], bytes], fmt: str) -> None:
    # given red, blue, green frames
    data = make()
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 3

    # when
    result = make_thumbnails(data)

    # then
    assert result.format == fmt
    assert (result.width, result.height) == (300, 200)
    assert_close(colour_at(decode(result.thumbnails[200]), 0.5, 0.5), RED)


def test_an_rgb_colour_profile_is_kept_and_a_cmyk_one_is_not() -> None:
    # given an RGB JPEG with an sRGB profile, and a CMYK JPEG carrying a CMYK profile header
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    rgb = factory.encode(factory.photo_like(600, 400), "JPEG", icc_profile=srgb)
    cmyk_profile = bytes(16) + b"CMYK" + bytes(108)
    cmyk = factory.encode(Image.new("CMYK", (600, 400)), "JPEG", icc_profile=cmyk_profile)

    # when
    from_rgb = make_thumbnails(rgb)
    from_cmyk = make_thumbnails(cmyk)

    # then the sRGB profile travels with the pixels, the CMYK one would mislabel them
    for width in (200, 400):
        assert decode(from_rgb.thumbnails[width]).info.get("icc_profile") == srgb
        assert "icc_profile" not in decode(from_cmyk.thumbnails[width]).info
        assert b"Exif" not in from_rgb.thumbnails[width].data


# --- rejections -------------------------------------------------------------------------


def test_a_decompression_bomb_is_rejected_without_decoding() -> None:
    # given 400 million pixels in a ~50 KB PNG
    data = factory.decompression_bomb_png()
    assert len(data) < 100_000
    limit_before = Image.MAX_IMAGE_PIXELS

    # when
    reason = reason_for(data)

    # then Pillow's own bomb error became a rejection, and no global was changed
    assert reason == "image too large: 400000000 pixels exceeds the limit of 60000000"
    assert limit_before == Image.MAX_IMAGE_PIXELS


def test_the_pixel_limit_is_checked_before_any_pixel_is_decoded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given 81 M pixels: below Pillow's own thresholds, above ours; and a spy on load()
    data = factory.blank_1bit_png(9000, 9000)
    loads: list[str] = []
    original_load = ImageFile.ImageFile.load

    def spy(self: ImageFile.ImageFile) -> Any:
        loads.append(type(self).__name__)
        return original_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)

    # when
    reason = reason_for(data)

    # then
    assert reason == "image too large: 81000000 pixels exceeds the limit of 60000000"
    assert loads == []


def test_max_pixels_is_per_call() -> None:
    # given a 300x200 image
    data = factory.photo_jpeg(300, 200)

    # when / then
    assert reason_for(data, max_pixels=59_999) == (
        "image too large: 60000 pixels exceeds the limit of 59999"
    )
    assert make_thumbnails(data, max_pixels=60_000).width == 300


def test_an_escalated_bomb_warning_is_a_rejection_too() -> None:
    # given 100 M pixels (Pillow warns above 89 M), a caller allowing 200 M, and a process
    # that turns warnings into errors
    data = factory.blank_1bit_png(10_000, 10_000)

    # when
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        reason = reason_for(data, max_pixels=200_000_000)

    # then
    assert reason.startswith("image too large: 100000000 pixels exceeds the limit of ")


@pytest.mark.parametrize(
    "data",
    [
        factory.truncated(factory.photo_jpeg(800, 600)),
        factory.photo_jpeg(800, 600)[:-200],
        factory.truncated(factory.png_16bit()),
        factory.truncated(factory.encode(factory.photo_like(300, 200), "PNG"), keep=0.5),
        factory.truncated(factory.animated_gif(), keep=0.3),
        factory.truncated(factory.animated_webp(), keep=0.5),
    ],
    ids=["jpeg-60%", "jpeg-minus-200-bytes", "png16-60%", "png-50%", "gif-30%", "webp-50%"],
)
def test_truncated_images_are_rejected(data: bytes) -> None:
    assert reason_for(data) == "image is truncated"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("empty.jpg", b"", "not an image"),
        ("avatar.png", factory.HTML, "not an image"),
        ("logo.svg", factory.SVG, "not an image"),
        ("notes.txt", b"just some text\n", "not an image"),
        ("scan.pdf", factory.PDF, "not an image: application/pdf"),
        ("avatar.png", b"\x89PNG\r\n\x1a\n" + factory.HTML, "not an image: unreadable PNG header"),
        ("a.gif", b"GIF89a" + factory.HTML, "not an image: unreadable GIF header"),
        ("a.jpg", factory.HTML + factory.photo_jpeg(100, 100), "not an image"),
        ("a.bmp", factory.encode(factory.corner_marked(50, 50), "BMP"), "not an image"),
        ("a.tif", factory.encode(factory.corner_marked(50, 50), "TIFF"), "not an image"),
    ],
    ids=["zero-bytes", "html", "svg", "text", "pdf", "png-magic-html", "gif-magic-html",
         "html-then-jpeg", "bmp", "tiff"],
)  # fmt: skip
def test_non_images_are_rejected_whatever_their_name(name: str, data: bytes, expected: str) -> None:
    # the name plays no part: only the bytes are trusted
    assert reason_for(data) == expected, name


@pytest.mark.parametrize("payload", [factory.zip_archive(), factory.HTML])
def test_a_jpeg_polyglot_is_thumbnailed_and_the_payload_does_not_survive(payload: bytes) -> None:
    # given a valid JPEG with a ZIP archive or an HTML page appended after its EOI marker
    clean = factory.photo_jpeg(800, 600, orientation=6)
    polyglot = clean + payload

    # when
    result = make_thumbnails(polyglot)

    # then trailing bytes are ignored like every decoder ignores them: the pixels are the
    # clean JPEG's, and the re-encoded thumbnails carry none of the payload
    expected = make_thumbnails(clean)
    for width, thumbnail in result.thumbnails.items():
        assert thumbnail.data == expected.thumbnails[width].data
        assert b"PK\x03\x04" not in thumbnail.data
        assert b"<script>" not in thumbnail.data


# --- sniffing and concurrency -----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (factory.photo_jpeg(20, 20), "image/jpeg"),
        (factory.tiny(), "image/png"),
        (factory.animated_gif(), "image/gif"),
        (factory.animated_webp(), "image/webp"),
        (factory.PDF, "application/pdf"),
        (b"GIF87a....", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"RIFF", None),
        (factory.HTML, None),
        (factory.SVG, None),
        (b"", None),
    ],
)
def test_sniff_content_type(data: bytes, expected: str | None) -> None:
    assert sniff_content_type(data) == expected


def test_concurrent_calls_give_the_same_bytes_as_sequential_ones() -> None:
    # given a mixed batch
    batch = [
        factory.photo_jpeg(1600, 1200, orientation=6),
        factory.cmyk_jpeg(),
        factory.png_16bit(),
        factory.animated_webp(),
    ] * 3
    sequential = [make_thumbnails(data) for data in batch]

    # when
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent: list[ProcessedImage] = list(pool.map(make_thumbnails, batch))

    # then
    assert concurrent == sequential


# --- HEIF, WebP/AVIF renditions, placeholders, clean originals -------------------------


def test_a_phone_heic_is_decoded_and_shown_the_right_way_up() -> None:
    # given a HEIC stored landscape 640 x 480 with orientation 6, as an iPhone writes it
    data = tagged.phone_heic(640, 480, orientation=6)
    assert sniff_content_type(data) == "image/heic"
    # when it is processed
    result = make_thumbnails(data, original=True)
    # then it is shown portrait (libheif applied the rotation once, not twice)
    assert (result.width, result.height, result.format) == (480, 640, "HEIF")
    assert (result.thumbnails[400].width, result.thumbnails[400].height) == (400, 533)
    # and the original is served as a JPEG of the same shape, with the profile and no EXIF
    assert result.original is not None
    assert result.original.content_type == "image/jpeg"
    with Image.open(io.BytesIO(result.original.data)) as original:
        assert original.size == (480, 640)
        assert not original.getexif()
        assert original.info.get("icc_profile") == tagged.srgb_profile()


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_a_truncated_heic_is_rejected_as_truncated(keep: float) -> None:
    with pytest.raises(ImageRejected, match="image is truncated"):
        make_thumbnails(factory.truncated(tagged.phone_heic(), keep=keep))


def test_the_pixel_limit_applies_to_heic() -> None:
    with pytest.raises(ImageRejected, match="image too large: 307200 pixels"):
        make_thumbnails(tagged.phone_heic(), max_pixels=100_000)


def test_every_format_is_made_at_every_width_from_the_same_pixels() -> None:
    # given a portrait photo
    data = factory.photo_jpeg(800, 600, orientation=6, seed=4)
    # when thumbnails are asked for in every format
    result = make_thumbnails(data, formats=tuple(ThumbnailFormat))
    # then each is the exact width, declares its type, and decodes as that format
    mime = {"JPEG": "image/jpeg", "WEBP": "image/webp", "AVIF": "image/avif"}
    for (fmt, width), thumbnail in result.renditions.items():
        image = decode(thumbnail)
        assert (image.format, image.size) == (fmt.value, (width, round(800 * width / 600)))
        assert thumbnail.content_type == mime[fmt.value]
        # and looks like the JPEG of that width (the same resized pixels, encoded otherwise)
        jpeg = decode(result.renditions[ThumbnailFormat.JPEG, width]).convert("RGB")
        difference = ImageStat.Stat(ImageChops.difference(image.convert("RGB"), jpeg)).mean
        assert max(difference) < 6, (fmt, width, difference)
    assert len(result.renditions) == 6
    assert set(result.thumbnails) == {200, 400}


@pytest.mark.parametrize(
    ("width", "height"), [(640, 480), (480, 640), (300, 900), (900, 300), (50, 50), (2000, 200)]
)
def test_the_placeholder_decodes_to_the_images_aspect_ratio(width: int, height: int) -> None:
    # given an image of some shape
    data = factory.encode(factory.photo_like(width, height, seed=9), "PNG")
    # when its placeholder is made
    placeholder = make_thumbnails(data, placeholder=True).placeholder
    assert placeholder is not None
    # then it is a few dozen bytes, and decodes to an image of the same shape: within 20%
    # up to 3:1 (ThumbHash keeps the ratio in its few DCT components: coarse by design), and
    # at the format's widest, 32 x 5, for a 10:1 strip
    assert len(placeholder.thumbhash) <= 48
    w, h, rgba = thumbhash.thumb_hash_to_rgba(base64.b64decode(placeholder.thumbhash))
    assert len(rgba) == w * h * 4
    expected = width / height
    if expected <= 3:
        assert abs((w / h) / expected - 1) < 0.2, (w, h)
    else:
        assert (w, h) == (32, 5)


def test_the_dominant_colour_is_the_most_common_one() -> None:
    # given an image two thirds red and one third blue
    image = Image.new("RGB", (300, 200), RED)
    image.paste(BLUE, (200, 0, 300, 200))
    # when its placeholder is made
    placeholder = make_thumbnails(factory.encode(image, "PNG"), placeholder=True).placeholder
    # then the dominant colour is red (not the purple an average would give)
    assert placeholder is not None
    assert placeholder.dominant_color == "#f80808"


def test_a_failing_encoder_is_a_rejection_that_names_the_rendition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given an AVIF encoder that fails (as a missing codec would)
    original_save = Image.Image.save

    def save(self: Image.Image, fp: Any, format: str | None = None, **options: Any) -> None:
        if format == "AVIF":
            raise OSError("encoder error -2")
        original_save(self, fp, format, **options)

    monkeypatch.setattr(Image.Image, "save", save)
    # when an image is processed in every format, then it is rejected with a reason
    with pytest.raises(ImageRejected, match="the 400 px AVIF thumbnail could not be made"):
        make_thumbnails(factory.photo_jpeg(640, 480), formats=tuple(ThumbnailFormat))
