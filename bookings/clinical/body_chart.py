"""The body chart: named regions of the body, front and back, each on the client's left or
right, which session notes record as the areas worked and the areas to avoid; the areas a problem
suggests before the therapist adjusts them; and the shapes that draw them. Pure data, no
database.

A region's code is stored in SessionNote rows, so a code never changes meaning: a new region
gets a new code. Sides are always the client's own. On the front view the client's right is on
the viewer's left; on the back view it is on the viewer's right, as the therapist sees them on
the table.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from clinic.problems import Problem

FRONT, BACK = "front", "back"
VIEW_NAMES = {FRONT: "Front", BACK: "Back"}
LEFT, RIGHT = "left", "right"
# Whose side is on the viewer's left: facing the client, their right; behind them, their left.
VIEWER_LEFT = {FRONT: RIGHT, BACK: LEFT}

# Each view is drawn in a 200 x 440 box with the body's midline at x=100. A part's polygon is
# given for the half on the viewer's left and mirrored for the other side.
VIEW_WIDTH, MIDLINE = 200, 100

# (view, part, name, polygon on the viewer's left half)
_PARTS = (
    (FRONT, "chest", "Chest and front of shoulder", ((57, 100), (56, 78), (62, 68), (99, 68), (99, 128), (62, 128))),
    (FRONT, "abdomen", "Abdomen", ((62, 130), (99, 130), (99, 182), (66, 182))),
    (FRONT, "hip", "Front of hip", ((64, 184), (99, 184), (99, 212), (60, 212))),
    (FRONT, "it-band", "Outside of the thigh (IT band)", ((60, 214), (70, 214), (75, 300), (67, 300))),
    (FRONT, "thigh-front", "Front of the thigh (quads)", ((72, 214), (98, 214), (93, 300), (77, 300))),
    (FRONT, "knee", "Knee", ((67, 302), (93, 302), (92, 328), (68, 328))),
    (FRONT, "shin-muscle", "Front of the shin (muscle)", ((68, 330), (80, 330), (80, 400), (74, 400))),
    (FRONT, "shin-edge", "Inner edge of the shin bone", ((82, 330), (92, 330), (89, 400), (82, 400))),
    (FRONT, "foot", "Ankle and top of foot", ((73, 402), (90, 402), (93, 428), (66, 428))),
    (FRONT, "upper-arm", "Upper arm (front)", ((32, 84), (52, 74), (56, 150), (38, 154))),
    (FRONT, "forearm", "Forearm and hand (palm side)", ((38, 156), (56, 152), (50, 258), (28, 256))),
    (BACK, "neck", "Neck", ((87, 50), (99, 50), (99, 70), (85, 70))),
    (BACK, "upper-back", "Upper back and shoulder", ((57, 100), (56, 80), (62, 72), (99, 72), (99, 132), (62, 132))),
    (BACK, "lower-back", "Lower back", ((62, 134), (99, 134), (99, 182), (66, 182))),
    (BACK, "glute", "Glute and hip", ((64, 184), (99, 184), (99, 232), (60, 232))),
    (BACK, "hamstring", "Hamstring", ((60, 234), (98, 234), (93, 316), (67, 316))),
    (BACK, "calf-muscle", "Calf", ((67, 318), (93, 318), (90, 378), (73, 378))),
    (BACK, "achilles", "Achilles tendon", ((76, 380), (88, 380), (87, 404), (77, 404))),
    (BACK, "heel-insertion", "Heel, where the plantar fascia attaches", ((73, 406), (89, 406), (90, 416), (72, 416))),
    (BACK, "arch", "Sole and arch of the foot", ((72, 418), (90, 418), (91, 428), (70, 428))),
    (BACK, "upper-arm", "Upper arm (back)", ((32, 84), (52, 74), (56, 150), (38, 154))),
    (BACK, "forearm", "Forearm and hand (back)", ((38, 156), (56, 152), (50, 258), (28, 256))),
)
# The head, and the front of the neck, are drawn for orientation only
# (templates/bookings/_body_chart_svg.html).

# Regions split since, for the domain's "avoid" rules (the Achilles apart from the calf, the
# heel insertion apart from the arch, the IT band, the shin bone's edge): no longer drawn or
# offered, but their codes stay valid so earlier notes read as written, with the regions that
# replaced them shaded on the figure. (view, part, name, the parts that replaced it)
_RETIRED = (
    (FRONT, "thigh", "Thigh (quads)", ("it-band", "thigh-front")),
    (FRONT, "shin", "Shin", ("shin-muscle", "shin-edge")),
    (BACK, "calf", "Calf and Achilles", ("calf-muscle", "achilles")),
    (BACK, "heel", "Heel and sole", ("heel-insertion", "arch")),
)


@dataclass(frozen=True)
class Region:
    code: str
    label: str
    view: str
    side: str
    points: str  # the SVG polygon, in its view's box


def _regions() -> tuple[Region, ...]:
    regions = []
    for view, part, name, shape in _PARTS:
        for side in (LEFT, RIGHT):
            mirrored = side != VIEWER_LEFT[view]
            points = " ".join(f"{VIEW_WIDTH - x if mirrored else x},{y}" for x, y in shape)
            regions.append(Region(f"{view}-{part}-{side}", f"{name}, {side}", view, side, points))
    return tuple(regions)


REGIONS = _regions()
RETIRED = {
    f"{view}-{part}-{side}": Region(f"{view}-{part}-{side}", f"{name}, {side}", view, side, "")
    for view, part, name, _ in _RETIRED
    for side in (LEFT, RIGHT)
}
REPLACED_BY = {
    f"{view}-{part}-{side}": [f"{view}-{new}-{side}" for new in replacements]
    for view, part, _, replacements in _RETIRED
    for side in (LEFT, RIGHT)
}
BY_CODE = {region.code: region for region in (*REGIONS, *RETIRED.values())}
# Retired codes are valid choices (an earlier note amended keeps them); forms offer REGIONS.
CHOICES = [(region.code, region.label) for region in BY_CODE.values()]
_ORDER = {code: n for n, code in enumerate(BY_CODE)}


def current(codes: Iterable[str]) -> list[str]:
    """The codes with each retired one replaced by the regions that replaced it: what an
    earlier note's areas are drawn as, and carried forward as."""
    return in_chart_order(new for code in codes for new in REPLACED_BY.get(code, [code]))


def both_sides(view: str, part: str) -> list[str]:
    return [f"{view}-{part}-{LEFT}", f"{view}-{part}-{RIGHT}"]


# Where a problem usually is worked (DOMAIN.md's "work on"), to mark the likely areas before
# the therapist adjusts them, and its sore spot to mark "avoid" (DOMAIN.md's "avoid").
AREAS_FOR_PROBLEM = {
    Problem.PLANTAR_FASCIITIS: [*both_sides(BACK, "calf-muscle"), *both_sides(BACK, "arch")],
    Problem.KNEE_PAIN: [
        *both_sides(FRONT, "thigh-front"),
        *both_sides(FRONT, "hip"),
        *both_sides(BACK, "glute"),
        *both_sides(BACK, "calf-muscle"),
    ],
    Problem.SHIN_SPLINTS: [*both_sides(FRONT, "shin-muscle"), *both_sides(BACK, "calf-muscle")],
    Problem.ACHILLES: both_sides(BACK, "calf-muscle"),
    Problem.HIP_DEEP_GLUTE: both_sides(BACK, "glute"),
    Problem.POST_TRAINING: [
        *both_sides(FRONT, "thigh-front"),
        *both_sides(BACK, "hamstring"),
        *both_sides(BACK, "calf-muscle"),
    ],
    Problem.GENERAL_TIGHTNESS: [*both_sides(BACK, "upper-back"), *both_sides(BACK, "lower-back")],
    Problem.RELAXATION: [*both_sides(BACK, "neck"), *both_sides(BACK, "upper-back")],
}
AVOID_FOR_PROBLEM = {
    Problem.PLANTAR_FASCIITIS: both_sides(BACK, "heel-insertion"),
    Problem.KNEE_PAIN: both_sides(FRONT, "it-band"),
    Problem.SHIN_SPLINTS: both_sides(FRONT, "shin-edge"),
    Problem.ACHILLES: both_sides(BACK, "achilles"),
}


def unknown(codes: Iterable) -> list[str]:
    """The codes that name no region, as given."""
    return [str(code) for code in codes if code not in BY_CODE]


def in_chart_order(codes: Iterable[str]) -> list[str]:
    """Known codes once each, in the chart's order (front then back, head to foot), so stored
    lists compare equal whatever order they were ticked in."""
    return sorted({code for code in codes if code in BY_CODE}, key=_ORDER.__getitem__)


def labels(codes: Iterable[str]) -> list[str]:
    return [BY_CODE[code].label if code in BY_CODE else str(code) for code in codes]


@dataclass(frozen=True)
class DrawnRegion:
    region: Region
    worked: bool
    avoid: bool


@dataclass(frozen=True)
class DrawnView:
    key: str
    name: str
    x: int  # where the view starts in the figure
    regions: list[DrawnRegion]
    side_letters: tuple[str, str]  # the client's sides under the figure, viewer's left first


def figure(*, worked: Iterable[str] = (), avoid: Iterable[str] = ()) -> list[DrawnView]:
    """Both views, side by side, with each region marked worked or to avoid (a retired code as
    the regions that replaced it)."""
    worked, avoid = set(current(worked)), set(current(avoid))
    views = []
    for n, view in enumerate((FRONT, BACK)):
        views.append(
            DrawnView(
                key=view,
                name=VIEW_NAMES[view],
                x=n * (VIEW_WIDTH + 20),
                regions=[
                    DrawnRegion(region, region.code in worked, region.code in avoid)
                    for region in REGIONS
                    if region.view == view
                ],
                side_letters=("R", "L") if VIEWER_LEFT[view] == RIGHT else ("L", "R"),
            )
        )
    return views
