"""QR codes as SVG (qrcode's SVG path factory, no Pillow) and the printable sheet."""

from html import escape

import qrcode
from markupsafe import Markup
from qrcode.image.svg import SvgPathFillImage

#: Quiet zone around the symbol, in modules (the QR standard asks for 4).
BORDER = 4
#: A card on the sheet in millimetres (a credit card is 85.6 x 54).
CARD_W, CARD_H = 85, 54
SHEET_COLUMNS = 2
SHEET_MARGIN = 10
QR_MM = 40


def qr_image(text: str) -> SvgPathFillImage:
    """Return the QR image of ``text`` (one module = one SVG unit)."""
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=BORDER,
        image_factory=SvgPathFillImage,
    )
    qr.add_data(text)
    qr.make(fit=True)
    return qr.make_image()


def qr_svg(text: str, label: str = "") -> Markup:
    """Return an inline ``<svg>`` of the QR of ``text``, sized by CSS (class ``qr``)."""
    image = qr_image(text)
    svg = image._img
    svg.attrib.pop("width", None)
    svg.attrib.pop("height", None)
    svg.set("class", "qr")
    svg.set("role", "img")
    if label:
        svg.set("aria-label", label)
    image.path.attrib.pop("id", None)  # several QR codes share one page
    return Markup(image.to_string(encoding="unicode"))


def _qr_group(text: str, x: float, y: float, size: float) -> str:
    image = qr_image(text)
    modules = float(image.units(image.pixel_size, text=False))
    scale = size / modules
    return (
        f'<g transform="translate({x:g} {y:g}) scale({scale:g})">'
        f'<rect width="{modules:g}" height="{modules:g}" fill="#fff"/>'
        f'<path d="{image.path.get("d")}" fill="#000"/></g>'
    )


def sheet_svg(codes: list[str], centre_name: str, caption: str) -> str:
    """Return one SVG document with every card (QR, grouped code, centre name).

    Cards are laid out in a grid of 85 x 54 mm with dashed cutting lines; the
    drawing is in millimetres, so it prints at real size.
    """
    rows = (len(codes) + SHEET_COLUMNS - 1) // SHEET_COLUMNS
    width = 2 * SHEET_MARGIN + SHEET_COLUMNS * CARD_W
    height = 2 * SHEET_MARGIN + max(rows, 1) * CARD_H
    name = escape(centre_name)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" '
        f'height="{height}mm" viewBox="0 0 {width} {height}" '
        'font-family="DejaVu Sans, Arial, sans-serif">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
    ]
    for index, code in enumerate(codes):
        x = SHEET_MARGIN + (index % SHEET_COLUMNS) * CARD_W
        y = SHEET_MARGIN + (index // SHEET_COLUMNS) * CARD_H
        parts.append(
            f'<rect x="{x}" y="{y}" width="{CARD_W}" height="{CARD_H}" fill="none" '
            'stroke="#999" stroke-width="0.2" stroke-dasharray="2 2"/>'
        )
        parts.append(_qr_group(code, x + 4, y + (CARD_H - QR_MM) / 2, QR_MM))
        tx = x + QR_MM + 7
        # A long centre name is squeezed to fit the card rather than overflow it.
        fit = (
            ' textLength="35" lengthAdjust="spacingAndGlyphs"' if len(name) > 15 else ""
        )
        parts.append(
            f'<text x="{tx}" y="{y + 14}" font-size="4.2" font-weight="bold"{fit}>'
            f"{name}</text>"
        )
        parts.append(
            f'<text x="{tx}" y="{y + 27}" font-size="3.4" '
            f'font-family="DejaVu Sans Mono, monospace">{escape(code[:9])}</text>'
        )
        parts.append(
            f'<text x="{tx}" y="{y + 32}" font-size="3.4" '
            f'font-family="DejaVu Sans Mono, monospace">{escape(code[10:])}</text>'
        )
        parts.append(
            f'<text x="{tx}" y="{y + 44}" font-size="2.6" fill="#444">'
            f"{escape(caption)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
