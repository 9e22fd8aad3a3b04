"""A fake camera for Chromium: a Y4M video that shows one QR code.

Chromium plays the file in a loop as its camera when started with
``--use-fake-device-for-media-stream --use-file-for-fake-video-capture=FILE``.
The frames are I420 (YUV 4:2:0): a luminance plane from the QR matrix (dark
module = black, light = white, with the quiet zone) and neutral chroma (128).
"""

from pathlib import Path

import qrcode

WIDTH, HEIGHT = 640, 480


def luma_plane(text: str, module_px: int = 10, dx: int = 0, dy: int = 0) -> bytes:
    """Return a WIDTH x HEIGHT luminance plane with the QR of ``text`` near the centre."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()  # includes the 4-module quiet zone
    side = len(matrix) * module_px
    assert side <= min(WIDTH, HEIGHT), "QR too large for the frame"
    left, top = (WIDTH - side) // 2 + dx, (HEIGHT - side) // 2 + dy
    plane = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if not dark:
                continue
            for y in range(top + r * module_px, top + (r + 1) * module_px):
                start = y * WIDTH + left + c * module_px
                plane[start : start + module_px] = b"\x00" * module_px
    return bytes(plane)


#: (module size, x shift, y shift) per frame: a card held up moves a little. A
#: perfectly still, perfectly sharp synthetic QR is sampled the same way in every
#: frame, and a few codes then never decode at one particular scale.
POSES = [(10, 0, 0), (9, 7, -5), (11, -6, 4), (10, 3, 6), (9, -4, -3), (8, 0, 0)]


def write_qr_y4m(path: Path, text: str, repeat: int = 2) -> Path:
    """Write a Y4M video showing the QR of ``text`` in a few poses (10 frames/s)."""
    chroma = b"\x80" * ((WIDTH // 2) * (HEIGHT // 2))
    frames = b"".join(
        b"FRAME\n" + luma_plane(text, m, dx, dy) + chroma + chroma
        for m, dx, dy in POSES
        for _ in range(repeat)
    )
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frames)
    return path


def camera_args(video: Path) -> list[str]:
    """Return the Chromium flags that make ``video`` the camera, permission granted."""
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
