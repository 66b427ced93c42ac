"""Photos carrying what cameras and phones write about them: GPS position, maker, serial
number, owner, XMP and IPTC, in every accepted format, plus a colour profile. Generated in
code (deterministic); `SECRETS` are byte strings that must never reach what `Media.url`
serves, and `has_location` parses a file back to look for a GPS block."""

from __future__ import annotations

import io
import struct
from functools import cache
from typing import Final

import pillow_heif
from PIL import Image, ImageCms, PngImagePlugin

from tests.support.factories.images import corner_marked, photo_like

MAKE: Final = "SecretCam"
MODEL: Final = "Spy 3000"
SERIAL: Final = "SN-4242-SECRET"
OWNER: Final = "Jane Owner-Secret"
XMP_PLACE: Final = "xmp-secret-place"
IPTC_CITY: Final = "IPTC-SECRET-CITY"
TEXT_PLACE: Final = "png-text-secret-place"
SECRETS: Final = tuple(
    s.encode() for s in (MAKE, MODEL, SERIAL, OWNER, XMP_PLACE, IPTC_CITY, TEXT_PLACE)
)
LATITUDE: Final = (52.0, 31.0, 12.0)  # Berlin, where the photo was "taken"
LONGITUDE: Final = (13.0, 24.0, 36.0)

_GPS_IFD: Final = 0x8825
_EXIF_IFD: Final = 0x8769
_ORIENTATION: Final = 0x0112
XMP: Final = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
    b'photoshop:City="' + XMP_PLACE.encode() + b'"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


@cache
def srgb_profile() -> bytes:
    """An sRGB profile (cached: littleCMS stamps each new one with the time)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def camera_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: maker, model, owner, serial and a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = MAKE
    exif[0x0110] = MODEL
    exif[0x013B] = OWNER  # Artist
    if orientation != 1:
        exif[_ORIENTATION] = orientation
    exif.get_ifd(_EXIF_IFD).update({0xA430: OWNER, 0xA431: SERIAL})  # owner, body serial
    exif.get_ifd(_GPS_IFD).update({1: "N", 2: LATITUDE, 3: "E", 4: LONGITUDE})
    return exif


def _jpeg_segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(body) + 2) + body


def gps_jpeg(width: int = 640, height: int = 480, *, orientation: int = 6) -> bytes:
    """A JPEG with EXIF (GPS, maker, serial, owner), XMP, IPTC (APP13), a comment and an
    sRGB profile; stored landscape, shown portrait with orientation 6."""
    buffer = io.BytesIO()
    photo_like(width, height, seed=31).save(
        buffer,
        "JPEG",
        quality=90,
        exif=camera_exif(orientation).tobytes(),
        xmp=XMP,
        icc_profile=srgb_profile(),
        comment=f"shot at {TEXT_PLACE}",
    )
    data = buffer.getvalue()
    iptc = (
        b"Photoshop 3.0\x008BIM\x04\x04\x00\x00"
        + struct.pack(">I", 20)
        + (b"\x1c\x02\x5a" + struct.pack(">H", len(IPTC_CITY)) + IPTC_CITY.encode()).ljust(
            20, b"\x00"
        )
    )
    return data[:2] + _jpeg_segment(0xED, iptc) + data[2:]


def texted_png(width: int = 300, height: int = 200) -> bytes:
    """A PNG with tEXt, zTXt and iTXt (XMP) chunks, an eXIf chunk with GPS, and sRGB ICC."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", TEXT_PLACE)
    info.add_text("Author", OWNER, zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    buffer = io.BytesIO()
    corner_marked(width, height).save(
        buffer, "PNG", pnginfo=info, exif=camera_exif(), icc_profile=srgb_profile()
    )
    return buffer.getvalue()


def exif_webp(width: int = 320, height: int = 240) -> bytes:
    """A lossy WebP with EXIF (GPS, maker, serial), XMP and an sRGB profile."""
    buffer = io.BytesIO()
    photo_like(width, height, seed=32).save(
        buffer,
        "WEBP",
        quality=85,
        exif=camera_exif().tobytes(),
        xmp=XMP,
        icc_profile=srgb_profile(),
    )
    return buffer.getvalue()


def phone_heic(width: int = 640, height: int = 480, *, orientation: int = 6) -> bytes:
    """A HEIC as an iPhone writes it: HEVC-coded, EXIF with GPS and maker, XMP, an ICC
    profile, shot in portrait (stored landscape, orientation 6)."""
    image = photo_like(width, height, seed=33)
    buffer = io.BytesIO()
    pillow_heif.from_pillow(image).save(
        buffer,
        format="HEIF",
        quality=80,
        exif=camera_exif(orientation).tobytes(),
        xmp=XMP,
        icc_profile=srgb_profile(),
    )
    return buffer.getvalue()


def has_location(data: bytes) -> bool:
    """Whether Pillow finds a GPS block, or any of `SECRETS` is in the raw bytes."""
    image = Image.open(io.BytesIO(data))
    if image.getexif().get_ifd(_GPS_IFD):
        return True
    return any(secret in data for secret in SECRETS)
