"""Draws the Teams app icons (run once; the PNGs are committed): a document with a quotation mark.

Teams wants color.png at 192x192 in full colour and outline.png at 32x32, white on transparent.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
ACCENT = (31, 78, 121, 255)  # the manifest's accentColor, #1F4E79
WHITE = (255, 255, 255, 255)


def draw(size: int, background: tuple[int, int, int, int]) -> Image.Image:
    # Drawn at 8x and scaled down, so the small outline icon keeps smooth edges.
    big = size * 8
    image = Image.new("RGBA", (big, big), background)
    pen = ImageDraw.Draw(image)
    u = big / 32
    pen.rounded_rectangle((7 * u, 4 * u, 25 * u, 28 * u), radius=2 * u, outline=WHITE, width=round(2 * u))
    for row in (10, 14, 18):
        pen.line((11 * u, row * u, 21 * u, row * u), fill=WHITE, width=round(1.5 * u))
    # An opening quotation mark: the bot quotes clauses.
    for left in (11, 15):
        pen.ellipse((left * u, 22 * u, (left + 3) * u, 25 * u), fill=WHITE)
        pen.polygon([(left * u, 23.5 * u), ((left + 1.6) * u, 22 * u), ((left + 3) * u, 19.5 * u)], fill=WHITE)
    return image.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    draw(192, ACCENT).save(HERE / "color.png")
    draw(32, (0, 0, 0, 0)).save(HERE / "outline.png")
