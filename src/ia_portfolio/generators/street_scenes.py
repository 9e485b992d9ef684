"""Seeded street scenes seen from a car, with pixel-exact Cityscapes label masks.

No real street scenes with masks ship in any package, so this draws them: a pinhole
camera at driver height looks down a straight street (horizon, vanishing point and
focal length vary per scene). Everything is placed in metres and projected, so
things shrink with distance and nearer things hide farther ones (painter's order):

- sky (clear, overcast, sunset or dusk, with clouds), a far skyline or tree line;
- the road with lane markings, sometimes a zebra crossing and parking lanes;
  sidewalks with paving, curbs, grass verges;
- façades of buildings with floors of windows and shop fronts, walls and fences;
- trees and hedges, street lamps, traffic signs and traffic lights;
- cars, vans and buses in the lanes and parked, pedestrians, cyclists, bins;
- the ego car's bonnet at the bottom of some scenes.

Then the camera: cast shadows, exposure, white balance, gamma, haze with distance,
vignetting, blur and sensor noise. Colours overlap across categories on purpose
(grey cars, grey buildings and overcast skies; green cars and trees) so that a
pixel's colour and position do not give its category away.

Every pixel's label is the Cityscapes label id of what was drawn there last (the
ids of ``cityscapesScripts/helpers/labels.py``: road 7, building 11, pole 17,
vegetation 21, sky 23, person 24, car 26, ego vehicle 1...), so the masks read
like ``*_gtFine_labelIds.png`` and one loader maps both to the 8 categories.
Scene ``i`` of seed ``s`` depends only on ``(s, i)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

# Cityscapes label ids (cityscapesScripts helpers/labels.py) that the scenes use.
EGO_VEHICLE, STATIC, GROUND = 1, 4, 6
ROAD, SIDEWALK, PARKING = 7, 8, 9
BUILDING, WALL, FENCE = 11, 12, 13
POLE, TRAFFIC_LIGHT, TRAFFIC_SIGN = 17, 19, 20
VEGETATION, TERRAIN, SKY = 21, 22, 23
PERSON, RIDER = 24, 25
CAR, TRUCK, BUS, BICYCLE = 26, 27, 28, 33

SKY_PALETTES = {  # (top, horizon) colours
    "clear": ((70, 120, 200), (170, 200, 235)),
    "overcast": ((150, 152, 158), (195, 196, 200)),
    "sunset": ((80, 80, 140), (240, 160, 110)),
    "dusk": ((25, 35, 70), (110, 100, 130)),
    "haze": ((165, 170, 175), (215, 210, 200)),
}
FACADES = [
    (200, 180, 150), (170, 90, 70), (140, 140, 140), (225, 222, 215), (120, 110, 100),
    (190, 200, 170), (95, 105, 120), (210, 170, 120), (160, 160, 175), (80, 80, 85),
]  # fmt: skip
CAR_COLOURS = [
    (200, 200, 205), (40, 40, 45), (120, 122, 125), (170, 30, 30), (30, 60, 140),
    (235, 235, 230), (60, 110, 60), (90, 140, 200), (200, 170, 60), (100, 70, 50),
]  # fmt: skip
FOLIAGE = [(60, 110, 40), (40, 80, 35), (95, 130, 50), (150, 140, 50), (170, 100, 40)]
SKIN = [(240, 200, 170), (200, 150, 110), (140, 95, 65), (90, 60, 40)]
CLOTHES = [
    (30, 30, 35), (200, 200, 200), (40, 60, 120), (150, 30, 40), (90, 90, 90),
    (60, 100, 60), (200, 150, 60), (120, 80, 140), (150, 120, 90), (20, 90, 120),
]  # fmt: skip


@dataclass(frozen=True)
class StreetScene:
    """One scene: an RGB image and the Cityscapes label id of every pixel."""

    image: np.ndarray  # (height, width, 3) uint8
    label_ids: np.ndarray  # (height, width) uint8


@dataclass(frozen=True)
class Camera:
    """Pinhole camera ``height_m`` above flat ground, looking along the street."""

    focal: float  # pixels per metre at 1 m
    height_m: float
    horizon: float  # row of the horizon
    vanishing_x: float  # column of the vanishing point

    def x(self, lateral: float | np.ndarray, depth: float | np.ndarray) -> np.ndarray:
        return self.vanishing_x + self.focal * np.asarray(lateral) / depth

    def y(
        self, above_ground: float | np.ndarray, depth: float | np.ndarray
    ) -> np.ndarray:
        return (
            self.horizon
            + self.focal * (self.height_m - np.asarray(above_ground)) / depth
        )


class Canvas:
    """An image, its labels and the depth of what was drawn last at each pixel."""

    def __init__(self, height: int, width: int, rng: np.random.Generator) -> None:
        self.height, self.width = height, width
        self.image = np.zeros((height, width, 3), np.float32)
        self.labels = np.zeros((height, width), np.uint8)
        self.depth = np.full((height, width), 1e4, np.float32)
        fine = rng.normal(0, 1, (height, width))
        coarse = ndimage.zoom(rng.normal(0, 1, (height // 8 + 1, width // 8 + 1)), 8)
        self.texture = (0.6 * fine + 0.8 * coarse[:height, :width]).astype(np.float32)

    def paint(
        self,
        mask: np.ndarray,
        colour: tuple[float, ...] | np.ndarray,
        label: int,
        depth: float | np.ndarray,
        texture: float = 0.04,
    ) -> None:
        """Colour and label the pixels of ``mask``; ``colour`` is one RGB triple or
        one per pixel of the image; ``texture`` the relative amplitude of grain."""
        if not mask.any():
            return
        colours = np.asarray(colour, np.float32)
        values = colours[mask] if colours.ndim == 3 else colours
        grain = 1.0 + texture * self.texture[mask][:, None]
        self.image[mask] = values * grain
        self.labels[mask] = label
        self.depth[mask] = depth[mask] if isinstance(depth, np.ndarray) else depth

    def shade(self, mask: np.ndarray, factor: float) -> None:
        """Darken (or lighten) pixels without changing their labels: shadows."""
        self.image[mask] *= factor

    def polygon(self, points: list[tuple[float, float]]) -> np.ndarray:
        """Pixels inside a polygon given in (column, row) image coordinates."""
        return self._draw(lambda draw: draw.polygon(points, fill=1))

    def ellipse(
        self, left: float, top: float, right: float, bottom: float
    ) -> np.ndarray:
        if right - left < 0.5 or bottom - top < 0.5:
            return self.rectangle(left, top, max(right, left + 1), max(bottom, top + 1))
        return self._draw(lambda draw: draw.ellipse((left, top, right, bottom), fill=1))

    def rectangle(
        self, left: float, top: float, right: float, bottom: float
    ) -> np.ndarray:
        """Pixels of an axis-aligned box, at least one pixel wide and high."""
        mask = np.zeros((self.height, self.width), bool)
        x0, y0 = round(left), round(top)
        x1, y1 = max(round(right), x0 + 1), max(round(bottom), y0 + 1)
        x0, x1 = np.clip((x0, x1), 0, self.width)
        y0, y1 = np.clip((y0, y1), 0, self.height)
        mask[y0:y1, x0:x1] = True
        return mask

    def line(self, points: list[tuple[float, float]], width: float) -> np.ndarray:
        return self._draw(
            lambda draw: draw.line(points, fill=1, width=max(int(round(width)), 1))
        )

    def _draw(self, action: Callable[[ImageDraw.ImageDraw], None]) -> np.ndarray:
        canvas = Image.new("1", (self.width, self.height))
        action(ImageDraw.Draw(canvas))
        return np.asarray(canvas, dtype=bool)


@dataclass(frozen=True)
class Street:
    """The street's layout in metres (lateral positions relative to the camera)."""

    centre: float
    half_width: float
    sidewalk: float
    left_setback: float
    right_setback: float
    far: float  # depth of the far backdrop

    @property
    def left_kerb(self) -> float:
        return self.centre - self.half_width

    @property
    def right_kerb(self) -> float:
        return self.centre + self.half_width

    def facade(self, side: int) -> float:
        """Lateral position of the façades on ``side`` (-1 left, +1 right)."""
        kerb = self.left_kerb if side < 0 else self.right_kerb
        setback = self.left_setback if side < 0 else self.right_setback
        return kerb + side * (self.sidewalk + setback)


def _jitter(
    rng: np.random.Generator, colour: tuple[int, ...], amount: float = 18
) -> np.ndarray:
    return np.clip(np.asarray(colour, np.float32) + rng.normal(0, amount, 3), 0, 255)


def _draw_sky(canvas: Canvas, camera: Camera, rng: np.random.Generator) -> str:
    kind = str(rng.choice(list(SKY_PALETTES), p=[0.4, 0.25, 0.12, 0.1, 0.13]))
    top, horizon = (_jitter(rng, c, 12) for c in SKY_PALETTES[kind])
    rows = np.clip(np.arange(canvas.height) / max(camera.horizon, 1.0), 0, 1)[
        :, None, None
    ]
    gradient = np.broadcast_to(top + (horizon - top) * rows, canvas.image.shape).copy()
    for _ in range(rng.integers(0, 6)):  # clouds: lighter (or darker) soft blobs
        cx, cy = rng.uniform(0, canvas.width), rng.uniform(0, camera.horizon * 0.8)
        rx, ry = (
            rng.uniform(10, 60) * canvas.width / 256,
            rng.uniform(3, 12) * canvas.width / 256,
        )
        yy, xx = np.ogrid[: canvas.height, : canvas.width]
        blob = np.exp(-(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2))
        shade = rng.uniform(0.9, 1.35) if kind != "dusk" else rng.uniform(0.7, 1.0)
        gradient *= (1 + (shade - 1) * blob)[..., None]
    canvas.paint(np.ones((canvas.height, canvas.width), bool), gradient, SKY, 1e4, 0.01)
    return kind


def _ground_coordinates(
    canvas: Canvas, camera: Camera
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every pixel below the horizon: its (lateral, depth) on the ground."""
    rows, columns = np.mgrid[: canvas.height, : canvas.width].astype(np.float32)
    below = rows > camera.horizon + 0.5
    depth = np.where(
        below,
        camera.focal * camera.height_m / np.maximum(rows - camera.horizon, 0.5),
        1e4,
    )
    lateral = (columns - camera.vanishing_x) * depth / camera.focal
    return below, lateral, depth


def _draw_ground(
    canvas: Canvas, camera: Camera, street: Street, rng: np.random.Generator
) -> None:
    below, lateral, depth = _ground_coordinates(canvas, camera)
    offset = lateral - street.centre
    asphalt = _jitter(rng, tuple(rng.uniform(60, 125, 1).repeat(3)), 8)
    pavement = _jitter(
        rng, (rng.uniform(140, 200), rng.uniform(135, 190), rng.uniform(120, 180)), 15
    )
    verge = _jitter(rng, (110, 130, 70), 20)
    # Beyond the sidewalks: grass verge (terrain) or bare ground (void).
    outside_label = TERRAIN if rng.random() < 0.6 else GROUND
    outside_colour = (
        verge if outside_label == TERRAIN else _jitter(rng, (130, 115, 95), 15)
    )
    canvas.paint(below, outside_colour, outside_label, depth, 0.12)

    sidewalk = below & (np.abs(offset) < street.half_width + street.sidewalk)
    tiles = ((np.mod(depth, 1.2) < 0.06) | (np.mod(lateral, 1.2) < 0.06)) & (depth < 25)
    paving = np.where(tiles[..., None], pavement * 0.8, pavement)
    canvas.paint(sidewalk, paving, SIDEWALK, depth, 0.07)

    road = below & (np.abs(offset) < street.half_width)
    colour = np.broadcast_to(asphalt, canvas.image.shape).copy()
    lane_width = 3.2
    centre_line = (np.abs(offset) < 0.09) & (
        np.mod(depth + rng.uniform(0, 6), 7.0) < 3.5
    )
    edge_lines = np.abs(np.abs(offset) - (street.half_width - 0.35)) < 0.08
    lanes = np.abs(np.abs(offset) - lane_width) < 0.07
    lanes &= np.mod(depth + rng.uniform(0, 6), 9.0) < 3.0
    markings = centre_line | edge_lines | (lanes & (street.half_width > lane_width + 1))
    if rng.random() < 0.35:  # zebra crossing
        start = rng.uniform(6, 25)
        markings |= (depth > start) & (depth < start + 3) & (np.mod(offset, 1.0) < 0.5)
    paint_colour = _jitter(
        rng, (225, 225, 215) if rng.random() < 0.8 else (220, 190, 60), 10
    )
    colour[markings] = paint_colour
    canvas.paint(road, colour, ROAD, depth, 0.10)
    if rng.random() < 0.4:  # parking lane along one kerb
        side = rng.choice([-1, 1])
        strip = road & (side * offset > street.half_width - 2.2) & ~markings
        canvas.paint(strip, asphalt * rng.uniform(0.85, 1.15), PARKING, depth, 0.10)
    kerb = below & (np.abs(np.abs(offset) - street.half_width) < 0.12)
    canvas.paint(kerb, pavement * 1.1, SIDEWALK, depth, 0.03)


def _draw_backdrop(
    canvas: Canvas, camera: Camera, street: Street, rng: np.random.Generator
) -> None:
    """What closes the street far away: a skyline or a tree line."""
    ground_row = float(camera.y(0.0, street.far))
    x = 0.0
    while x < canvas.width:
        span = rng.uniform(6, 30) * canvas.width / 256
        height_m = rng.uniform(8, 45)
        top = float(camera.y(height_m, street.far))
        if rng.random() < 0.3:
            mask = canvas.ellipse(x, top, x + span * 1.3, ground_row + 2)
            canvas.paint(
                mask,
                _jitter(rng, FOLIAGE[rng.integers(len(FOLIAGE))]),
                VEGETATION,
                street.far,
                0.2,
            )
        else:
            mask = canvas.rectangle(x, top, x + span, ground_row + 1)
            canvas.paint(
                mask,
                _jitter(rng, FACADES[rng.integers(len(FACADES))], 25),
                BUILDING,
                street.far,
                0.08,
            )
        x += span


def _draw_facades(
    canvas: Canvas, camera: Camera, street: Street, rng: np.random.Generator
) -> None:
    """Buildings (or walls, fences, hedges) along both sides, seen in perspective:
    each column of a façade is one depth; windows follow floors and bays."""
    rows = np.arange(canvas.height, dtype=np.float32)[:, None]
    columns = np.arange(canvas.width, dtype=np.float32)
    for side in (-1, 1):
        wall_x = street.facade(side)
        with np.errstate(divide="ignore", invalid="ignore"):
            depth = camera.focal * wall_x / (columns - camera.vanishing_x)
        visible = (depth > 1.0) & (depth < street.far)
        depth = np.where(visible, depth, street.far)
        edges, kinds = [1.0], []
        while edges[-1] < street.far:
            edges.append(edges[-1] + rng.uniform(6, 28))
            kinds.append(
                rng.choice(
                    ["building", "gap", "wall", "hedge"], p=[0.74, 0.1, 0.08, 0.08]
                )
            )
        segment = np.clip(np.searchsorted(edges, depth) - 1, 0, len(kinds) - 1)
        heights = {
            "building": lambda: rng.uniform(7, 32),
            "wall": lambda: rng.uniform(1.2, 3),
            "hedge": lambda: rng.uniform(1, 2.5),
            "gap": lambda: 0.0,
        }
        segment_heights = np.array([heights[k]() for k in kinds])
        colours = [_jitter(rng, FACADES[rng.integers(len(FACADES))], 20) for _ in kinds]
        floor = rng.uniform(2.8, 3.6)
        bay = rng.uniform(2.0, 4.0)
        top = camera.y(segment_heights[segment], depth)[None, :]
        bottom = camera.y(0.0, depth)[None, :]
        inside = visible[None, :] & (rows >= top) & (rows <= bottom)
        height_m = (
            camera.height_m - (rows - camera.horizon) * depth[None, :] / camera.focal
        )
        image = np.zeros(canvas.image.shape, np.float32)
        labels = np.zeros(canvas.labels.shape, np.uint8)
        depth_map = np.broadcast_to(depth[None, :], labels.shape)
        shading = rng.uniform(0.65, 1.0)  # the façades of one side are in shade
        for index, kind in enumerate(kinds):
            part = inside & (segment == index)[None, :]
            if kind == "gap" or not part.any():
                continue
            colour = colours[index] * shading
            if kind == "building":
                labels[part] = BUILDING
                image[part] = colour
                window = (np.mod(height_m, floor) > 0.9) & (
                    np.mod(height_m, floor) < floor - 0.5
                )
                window &= (np.mod(depth_map + index, bay) < bay * 0.55) & (
                    height_m > 3.2
                )
                glass = _jitter(
                    rng, (60, 75, 95) if rng.random() < 0.7 else (150, 170, 190), 20
                )
                image[part & window] = glass
                shop = (
                    (height_m > 0.3) & (height_m < 2.6) & (np.mod(depth_map, 6.0) < 4.0)
                )
                if rng.random() < 0.5:
                    image[part & shop] = glass * 0.8
            elif kind == "wall":
                labels[part] = WALL if rng.random() < 0.6 else FENCE
                image[part] = colour * 0.9
            else:
                labels[part] = VEGETATION
                image[part] = _jitter(rng, FOLIAGE[rng.integers(2)]) * shading
        drawn = labels > 0
        canvas.paint(drawn, image, 0, depth_map, 0.06)
        canvas.labels[drawn] = labels[drawn]


@dataclass(frozen=True)
class Thing:
    """Something standing on the ground at ``depth`` metres, drawn far to near."""

    depth: float
    draw: Callable[[], None]


def _box(
    camera: Camera,
    left: float,
    right: float,
    bottom: float,
    top: float,
    near: float,
    far: float,
    side: bool,
) -> list[list[tuple[float, float]]]:
    """Faces of a box seen by the camera: its near face and the side facing the
    camera (when ``side``), as image polygons, farthest first."""

    def corner(x: float, y: float, z: float) -> tuple[float, float]:
        return float(camera.x(x, z)), float(camera.y(y, z))

    faces = []
    if side:
        x = right if left + right < 0 else left  # the face seen from the camera
        faces.append(
            [
                corner(x, bottom, near),
                corner(x, top, near),
                corner(x, top, far),
                corner(x, bottom, far),
            ]
        )
    faces.append(
        [
            corner(left, bottom, near),
            corner(right, bottom, near),
            corner(right, top, near),
            corner(left, top, near),
        ]
    )
    return faces


def _vehicle(
    canvas: Canvas,
    camera: Camera,
    rng: np.random.Generator,
    lateral: float,
    depth: float,
) -> Thing:
    kind = rng.choice(["car", "van", "bus"], p=[0.8, 0.12, 0.08])
    width, height, length, label = {
        "car": (1.8, 1.45, 4.4, CAR),
        "van": (2.0, 2.3, 5.5, TRUCK),
        "bus": (2.5, 3.2, 11.0, BUS),
    }[kind]
    width *= rng.uniform(0.92, 1.08)
    colour = _jitter(rng, CAR_COLOURS[rng.integers(len(CAR_COLOURS))], 15)
    glass = _jitter(rng, (40, 50, 60), 10)

    def draw() -> None:
        left, right = lateral - width / 2, lateral + width / 2
        shadow = canvas.polygon(
            [
                (float(camera.x(x, z)), float(camera.y(0, z)))
                for x, z in (
                    (left - 0.2, depth - 0.3),
                    (right + 0.2, depth - 0.3),
                    (right + 0.2, depth + length),
                    (left - 0.2, depth + length),
                )
            ]
        )
        canvas.shade(shadow, 0.45)
        body_top = height * (0.62 if kind == "car" else 1.0)
        for face in _box(
            camera, left, right, 0.25, body_top, depth, depth + length, True
        ):
            canvas.paint(canvas.polygon(face), colour, label, depth, 0.05)
        if kind == "car":  # cabin, narrower and shorter, windows dark
            inset = 0.18 * width
            for face in _box(
                camera,
                left + inset,
                right - inset,
                body_top,
                height,
                depth + 0.9,
                depth + length - 1.0,
                True,
            ):
                canvas.paint(canvas.polygon(face), glass, label, depth, 0.05)
        else:
            band = canvas.polygon(
                [
                    (
                        float(camera.x(left + 0.1, depth)),
                        float(camera.y(height * 0.8, depth)),
                    ),
                    (
                        float(camera.x(right - 0.1, depth)),
                        float(camera.y(height * 0.8, depth)),
                    ),
                    (
                        float(camera.x(right - 0.1, depth)),
                        float(camera.y(height * 0.55, depth)),
                    ),
                    (
                        float(camera.x(left + 0.1, depth)),
                        float(camera.y(height * 0.55, depth)),
                    ),
                ]
            )
            canvas.paint(band & (canvas.labels == label), glass, label, depth, 0.05)
        wheel = 0.35 * camera.focal / depth
        for x in (left + 0.15, right - 0.45):
            x0, y0 = float(camera.x(x, depth)), float(camera.y(0.5, depth))
            canvas.paint(
                canvas.rectangle(x0, y0, x0 + wheel, y0 + wheel * 1.3),
                (20, 20, 22),
                label,
                depth,
                0.02,
            )
        lamp = 0.25 * camera.focal / depth
        for x in (left + 0.1, right - 0.35):
            x0, y0 = float(camera.x(x, depth)), float(camera.y(0.95, depth))
            canvas.paint(
                canvas.rectangle(x0, y0, x0 + lamp, y0 + lamp * 0.6),
                (200, 30, 25),
                label,
                depth,
                0.02,
            )

    return Thing(depth, draw)


def _person(
    canvas: Canvas,
    camera: Camera,
    rng: np.random.Generator,
    lateral: float,
    depth: float,
    cyclist: bool,
) -> Thing:
    height = rng.uniform(1.5, 1.95) * (0.8 if cyclist else 1.0)  # seated
    shirt = _jitter(rng, CLOTHES[rng.integers(len(CLOTHES))])
    trousers = _jitter(rng, CLOTHES[rng.integers(len(CLOTHES))])
    skin = _jitter(rng, SKIN[rng.integers(len(SKIN))], 8)
    label = RIDER if cyclist else PERSON

    def draw() -> None:
        scale = camera.focal / depth
        base = 0.45 if cyclist else 0.0
        x = float(camera.x(lateral, depth))
        y = lambda h: float(camera.y(base + h, depth))  # noqa: E731
        shadow = canvas.ellipse(
            x - 0.5 * scale,
            y(-base) - 0.1 * scale,
            x + 0.7 * scale,
            y(-base) + 0.15 * scale,
        )
        canvas.shade(shadow, 0.6)
        if cyclist:
            frame = (
                (30, 30, 30)
                if rng.random() < 0.5
                else _jitter(rng, CAR_COLOURS[rng.integers(len(CAR_COLOURS))])
            )
            r = 0.33 * scale
            for dx in (-0.55, 0.55):
                cx, cy = x + dx * scale, float(camera.y(0.33, depth))
                ring = canvas.ellipse(cx - r, cy - r, cx + r, cy + r) & ~canvas.ellipse(
                    cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7
                )
                canvas.paint(ring, (25, 25, 25), BICYCLE, depth, 0.02)
            frame_line = canvas.line(
                [
                    (x - 0.55 * scale, float(camera.y(0.33, depth))),
                    (x, float(camera.y(0.8, depth))),
                    (x + 0.55 * scale, float(camera.y(0.33, depth))),
                ],
                0.06 * scale,
            )
            canvas.paint(frame_line, frame, BICYCLE, depth, 0.02)
        legs_top = y(height * 0.47)
        half = 0.11 * scale
        for dx in (-0.12, 0.12):
            stride = rng.uniform(-0.1, 0.1) * scale
            canvas.paint(
                canvas.rectangle(
                    x + dx * scale - half + stride,
                    legs_top,
                    x + dx * scale + half + stride,
                    y(0),
                ),
                trousers,
                label,
                depth,
                0.05,
            )
        torso = canvas.rectangle(
            x - 0.22 * scale, y(height * 0.82), x + 0.22 * scale, legs_top + 1
        )
        canvas.paint(torso, shirt, label, depth, 0.05)
        for dx in (-0.28, 0.28):
            canvas.paint(
                canvas.rectangle(
                    x + dx * scale - 0.05 * scale,
                    y(height * 0.8),
                    x + dx * scale + 0.05 * scale,
                    y(height * 0.45),
                ),
                shirt * 0.9,
                label,
                depth,
                0.05,
            )
        head = 0.12 * scale
        cy = y(height * 0.91)
        canvas.paint(
            canvas.ellipse(x - head, cy - head * 1.2, x + head, cy + head * 1.2),
            skin,
            label,
            depth,
            0.03,
        )
        hair = canvas.ellipse(x - head, cy - head * 1.3, x + head, cy - head * 0.2)
        canvas.paint(hair, _jitter(rng, (50, 35, 25), 20), label, depth, 0.03)
        if rng.random() < 0.25:  # a bag
            canvas.paint(
                canvas.rectangle(
                    x + 0.2 * scale,
                    y(height * 0.55),
                    x + 0.42 * scale,
                    y(height * 0.35),
                ),
                _jitter(rng, (90, 60, 40)),
                label,
                depth,
                0.03,
            )

    return Thing(depth, draw)


def _street_furniture(
    canvas: Canvas,
    camera: Camera,
    rng: np.random.Generator,
    lateral: float,
    depth: float,
) -> Thing:
    kind = rng.choice(["lamp", "sign", "light", "bin"], p=[0.35, 0.35, 0.15, 0.15])
    metal = _jitter(rng, (90, 95, 100), 20)

    def draw() -> None:
        scale = camera.focal / depth
        x = float(camera.x(lateral, depth))
        ground = float(camera.y(0, depth))
        if kind == "bin":
            canvas.paint(
                canvas.rectangle(
                    x - 0.3 * scale,
                    float(camera.y(1.0, depth)),
                    x + 0.3 * scale,
                    ground,
                ),
                _jitter(rng, (60, 90, 60), 30),
                STATIC,
                depth,
                0.05,
            )
            return
        height = {
            "lamp": rng.uniform(5, 8),
            "sign": rng.uniform(2.4, 3.2),
            "light": rng.uniform(3.2, 4.5),
        }[kind]
        half = max(0.1 * scale, 0.5)
        canvas.paint(
            canvas.rectangle(
                x - half, float(camera.y(height, depth)), x + half, ground
            ),
            metal,
            POLE,
            depth,
            0.04,
        )
        top = float(camera.y(height, depth))
        if kind == "lamp":
            reach = -np.sign(lateral) * rng.uniform(1.0, 2.0) * scale
            canvas.paint(
                canvas.line([(x, top), (x + reach, top + 0.2 * scale)], 0.12 * scale),
                metal,
                POLE,
                depth,
                0.04,
            )
            canvas.paint(
                canvas.ellipse(
                    x + reach - 0.3 * scale,
                    top,
                    x + reach + 0.3 * scale,
                    top + 0.25 * scale,
                ),
                (230, 230, 200),
                POLE,
                depth,
                0.02,
            )
        elif kind == "sign":
            size = rng.uniform(0.6, 0.9) * scale
            colour = _jitter(
                rng,
                [(200, 30, 30), (30, 70, 170), (235, 235, 235), (230, 190, 40)][
                    rng.integers(4)
                ],
                10,
            )
            shape = rng.integers(3)
            if shape == 0:
                plate = canvas.ellipse(x - size / 2, top - size, x + size / 2, top)
            elif shape == 1:
                plate = canvas.polygon(
                    [(x - size / 2, top), (x + size / 2, top), (x, top - size)]
                )
            else:
                plate = canvas.rectangle(x - size / 2, top - size, x + size / 2, top)
            canvas.paint(plate, colour, TRAFFIC_SIGN, depth, 0.03)
        else:
            box = canvas.rectangle(
                x - 0.18 * scale, top - 0.9 * scale, x + 0.18 * scale, top
            )
            canvas.paint(box, (30, 30, 32), TRAFFIC_LIGHT, depth, 0.03)
            lit = rng.integers(3)
            lamp = 0.1 * scale
            cy = top - (0.75 - 0.3 * lit) * scale
            canvas.paint(
                canvas.ellipse(x - lamp, cy - lamp, x + lamp, cy + lamp) & box,
                [(220, 40, 30), (230, 170, 30), (40, 200, 80)][lit],
                TRAFFIC_LIGHT,
                depth,
                0.02,
            )

    return Thing(depth, draw)


def _tree(
    canvas: Canvas,
    camera: Camera,
    rng: np.random.Generator,
    lateral: float,
    depth: float,
) -> Thing:
    crown = _jitter(rng, FOLIAGE[rng.integers(len(FOLIAGE))], 15)
    bark = _jitter(rng, (90, 70, 50), 15)
    trunk_height = rng.uniform(2.0, 3.5)
    crown_size = rng.uniform(2.0, 4.5)

    def draw() -> None:
        scale = camera.focal / depth
        x = float(camera.x(lateral, depth))
        canvas.paint(
            canvas.rectangle(
                x - 0.15 * scale,
                float(camera.y(trunk_height + 0.5, depth)),
                x + 0.15 * scale,
                float(camera.y(0, depth)),
            ),
            bark,
            VEGETATION,
            depth,
            0.1,
        )
        centre_y = float(camera.y(trunk_height + crown_size * 0.5, depth))
        leaves = np.zeros((canvas.height, canvas.width), bool)
        for _ in range(5):
            dx, dy = rng.normal(0, crown_size * 0.25, 2) * scale
            r = crown_size * rng.uniform(0.3, 0.55) * scale
            leaves |= canvas.ellipse(
                x + dx - r, centre_y + dy - r, x + dx + r, centre_y + dy + r
            )
        canvas.paint(leaves, crown, VEGETATION, depth, 0.25)

    return Thing(depth, draw)


def _things(
    canvas: Canvas, camera: Camera, street: Street, rng: np.random.Generator
) -> list[Thing]:
    """Vehicles, people and street furniture, placed in lanes and on sidewalks."""
    things = []
    near, far = 4.0, min(street.far, 60.0)
    depths = lambda n: rng.uniform(near, far, n) ** 1.0  # noqa: E731
    lanes = np.arange(street.left_kerb + 1.6, street.right_kerb - 1.5, 3.2)
    for depth in depths(rng.integers(1, 7)):
        lateral = (
            rng.choice(lanes) + rng.normal(0, 0.3)
            if rng.random() < 0.7
            else rng.choice([street.left_kerb + 1.1, street.right_kerb - 1.1])
        )
        things.append(_vehicle(canvas, camera, rng, float(lateral), float(depth)))
    for depth in depths(rng.integers(1, 9)):
        if rng.random() < 0.15:  # crossing the road, or cycling in it
            lateral = rng.uniform(street.left_kerb, street.right_kerb)
            things.append(
                _person(
                    canvas,
                    camera,
                    rng,
                    float(lateral),
                    max(float(depth), 8.0),  # not right under the bonnet
                    cyclist=rng.random() < 0.5,
                )
            )
            continue
        side = rng.choice([-1, 1])
        kerb = street.left_kerb if side < 0 else street.right_kerb
        lateral = kerb + side * rng.uniform(0.4, street.sidewalk - 0.3)
        things.append(
            _person(canvas, camera, rng, float(lateral), float(depth), cyclist=False)
        )
    for side in (-1, 1):
        kerb = street.left_kerb if side < 0 else street.right_kerb
        spacing = rng.uniform(7, 18)
        depth = rng.uniform(near, near + spacing)
        while depth < far:
            lateral = kerb + side * rng.uniform(0.3, 0.7)
            if rng.random() < 0.45:
                things.append(_tree(canvas, camera, rng, float(lateral), float(depth)))
            else:
                things.append(
                    _street_furniture(canvas, camera, rng, float(lateral), float(depth))
                )
            depth += spacing * rng.uniform(0.6, 1.4)
    return things


def _draw_ego_bonnet(canvas: Canvas, rng: np.random.Generator) -> None:
    """The bonnet of the camera's own car along the bottom edge (void)."""
    rows, columns = np.mgrid[: canvas.height, : canvas.width].astype(np.float32)
    rise = rng.uniform(0.06, 0.14) * canvas.height
    centre = canvas.width * rng.uniform(0.4, 0.6)
    edge = canvas.height - rise * (
        1 - ((columns - centre) / (canvas.width * 0.75)) ** 2
    )
    bonnet = rows >= edge
    colour = _jitter(rng, CAR_COLOURS[rng.integers(len(CAR_COLOURS))], 10)
    gloss = 1.0 + 0.3 * np.exp(-((rows - edge - 2) ** 2) / 6.0)
    canvas.paint(bonnet, colour * gloss[..., None], EGO_VEHICLE, 0.5, 0.03)


def _camera_effects(
    canvas: Canvas, camera: Camera, sky: str, rng: np.random.Generator
) -> np.ndarray:
    """Haze with distance, exposure, white balance, gamma, vignetting, blur and
    sensor noise, applied to the image only (the labels stay exact)."""
    image = canvas.image
    haze_colour = np.asarray(SKY_PALETTES[sky][1], np.float32)
    visibility = rng.uniform(150, 700)  # far façades stay visible through the haze
    fog = 1 - np.exp(-np.minimum(canvas.depth, 1e3) / visibility)
    image = image * (1 - fog[..., None]) + haze_colour * fog[..., None]
    if rng.random() < 0.5:  # a cast shadow over part of the street
        rows, columns = np.mgrid[: canvas.height, : canvas.width]
        slope = rng.uniform(-1.5, 1.5)
        line = rng.uniform(0.2, 0.8) * canvas.width + slope * (rows - camera.horizon)
        side = rng.choice([-1, 1])
        shadow = (
            (side * (columns - line) > 0)
            & (canvas.depth < 60)
            & (rows > camera.horizon)
        )
        image[shadow] *= rng.uniform(0.45, 0.7)
    exposure = rng.uniform(0.6, 1.3) * (0.75 if sky == "dusk" else 1.0)
    balance = np.array([1 + (t := rng.uniform(-0.15, 0.15)), 1.0, 1 - t], np.float32)
    image = np.clip(image * exposure * balance / 255.0, 0, 1) ** rng.uniform(0.8, 1.25)
    rows, columns = np.ogrid[: canvas.height, : canvas.width]
    radius = (
        (rows / canvas.height - 0.5) ** 2 + (columns / canvas.width - 0.5) ** 2
    ) * 2
    image = image * (1 - rng.uniform(0, 0.35) * radius)[..., None]
    sigma = rng.uniform(0.0, 1.2) * canvas.width / 256
    if sigma > 0.2:
        image = ndimage.gaussian_filter(image, (sigma, sigma, 0))
    if rng.random() < 0.2:  # motion blur along the rows
        image = ndimage.uniform_filter1d(image, size=int(rng.integers(2, 5)), axis=1)
    image = image * 255 + rng.normal(0, rng.uniform(1, 9), image.shape)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def generate_scene(
    rng: np.random.Generator, height: int = 128, width: int = 256
) -> StreetScene:
    """One street scene of ``height`` x ``width`` pixels, drawn from ``rng``."""
    canvas = Canvas(height, width, rng)
    camera = Camera(
        focal=width * rng.uniform(0.55, 0.85),
        height_m=rng.uniform(1.2, 1.8),
        horizon=height * rng.uniform(0.36, 0.55),
        vanishing_x=width * rng.uniform(0.38, 0.62),
    )
    street = Street(
        centre=rng.uniform(-2.5, 2.5),
        half_width=rng.uniform(3.5, 8.0),
        sidewalk=rng.uniform(1.8, 4.5),
        left_setback=rng.uniform(0, 4) if rng.random() < 0.4 else 0.0,
        right_setback=rng.uniform(0, 4) if rng.random() < 0.4 else 0.0,
        far=rng.uniform(70, 200),
    )
    sky = _draw_sky(canvas, camera, rng)
    _draw_ground(canvas, camera, street, rng)
    _draw_backdrop(canvas, camera, street, rng)
    _draw_facades(canvas, camera, street, rng)
    for thing in sorted(_things(canvas, camera, street, rng), key=lambda t: -t.depth):
        thing.draw()
    if rng.random() < 0.35:
        _draw_ego_bonnet(canvas, rng)
    image = _camera_effects(canvas, camera, sky, rng)
    return StreetScene(image=image, label_ids=canvas.labels.copy())


def generate_scenes(
    n_scenes: int, seed: int, height: int = 128, width: int = 256
) -> Iterator[StreetScene]:
    """``n_scenes`` scenes; scene ``i`` is drawn from ``default_rng([seed, i])``, so
    it does not depend on how many scenes are asked for."""
    for index in range(n_scenes):
        yield generate_scene(np.random.default_rng([seed, index]), height, width)
