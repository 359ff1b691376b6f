"""Draw the app's icons (white "CRA" on DSFR blue France) into pwa/icons/.

Run once after changing the design, then commit the PNGs:
    .venv/bin/python pwa/tools/make_icons.py
Only Pillow is needed; its bundled font keeps the output the same on every machine.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ICONS = Path(__file__).resolve().parent.parent / "icons"
BLUE_FRANCE = "#000091"
WHITE = "#ffffff"


def draw_icon(size: int, text_width: float) -> Image.Image:
    """A square icon with "CRA" centred, `text_width` being its share of the side."""
    image = Image.new("RGB", (size, size), BLUE_FRANCE)
    draw = ImageDraw.Draw(image)
    font_size = size
    while True:  # largest font whose text fits the requested width
        font = ImageFont.load_default(size=font_size)
        stroke = max(1, font_size // 36)  # a white outline thickens the regular face to bold
        left, top, right, bottom = draw.textbbox((0, 0), "CRA", font=font, stroke_width=stroke)
        if right - left <= size * text_width:
            break
        font_size -= 1
    # An underline, as under the DSFR service title; text and line are centred together.
    gap, bar = size * text_width * 0.08, max(2, size // 40)
    x = (size - (right - left)) / 2 - left
    y = (size - (bottom - top + gap + bar)) / 2 - top
    draw.text((x, y), "CRA", font=font, fill=WHITE, stroke_width=stroke, stroke_fill=WHITE)
    bar_top = y + bottom + gap
    draw.rectangle((x + left, bar_top, x + right, bar_top + bar), fill=WHITE)
    return image


def main() -> None:
    ICONS.mkdir(exist_ok=True)
    draw_icon(192, 0.72).save(ICONS / "icon-192.png", optimize=True)
    draw_icon(512, 0.72).save(ICONS / "icon-512.png", optimize=True)
    # Maskable: launchers crop to a circle of 80 % of the side; keep the mark well inside it.
    draw_icon(512, 0.5).save(ICONS / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
