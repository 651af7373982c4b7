# The body chart replaces the nine broad areas with named regions, front and back, left and
# right. Each broad area becomes the regions it covered, on both sides; amendments' recorded
# changes are mapped the same way, so the notes as first written still read back.

from django.db import migrations, models

BROAD_TO_REGIONS = {
    "feet": ["front-foot", "back-heel"],
    "calves": ["back-calf"],
    "shins": ["front-shin"],
    "thighs": ["front-thigh", "back-hamstring"],
    "hips": ["front-hip", "back-glute"],
    "lower_back": ["back-lower-back"],
    "upper_back": ["back-upper-back"],
    "neck": ["back-neck"],
    "arms": ["front-upper-arm", "front-forearm", "back-upper-arm", "back-forearm"],
}
# The chart's order when this was written (bookings.body_chart.REGIONS).
CHART_ORDER = [
    "front-chest-left",
    "front-chest-right",
    "front-abdomen-left",
    "front-abdomen-right",
    "front-hip-left",
    "front-hip-right",
    "front-thigh-left",
    "front-thigh-right",
    "front-knee-left",
    "front-knee-right",
    "front-shin-left",
    "front-shin-right",
    "front-foot-left",
    "front-foot-right",
    "front-upper-arm-left",
    "front-upper-arm-right",
    "front-forearm-left",
    "front-forearm-right",
    "back-neck-left",
    "back-neck-right",
    "back-upper-back-left",
    "back-upper-back-right",
    "back-lower-back-left",
    "back-lower-back-right",
    "back-glute-left",
    "back-glute-right",
    "back-hamstring-left",
    "back-hamstring-right",
    "back-calf-left",
    "back-calf-right",
    "back-heel-left",
    "back-heel-right",
    "back-upper-arm-left",
    "back-upper-arm-right",
    "back-forearm-left",
    "back-forearm-right",
]


def _regions(areas):
    if not isinstance(areas, list):
        return areas
    regions = set()
    for area in areas:
        for part in BROAD_TO_REGIONS.get(area, []):
            regions.update((f"{part}-left", f"{part}-right"))
        if area in CHART_ORDER:
            regions.add(area)
    return sorted(regions, key=CHART_ORDER.index)


def _broad(regions):
    if not isinstance(regions, list):
        return regions
    return sorted(
        {area for area, parts in BROAD_TO_REGIONS.items() for region in regions if region.rsplit("-", 1)[0] in parts}
    )


def _convert(apps, convert):
    SessionNote = apps.get_model("bookings", "SessionNote")
    SessionNoteAmendment = apps.get_model("bookings", "SessionNoteAmendment")
    for note in SessionNote.objects.all():
        note.areas_worked = convert(note.areas_worked)
        note.save(update_fields=["areas_worked"])
    for amendment in SessionNoteAmendment.objects.all():
        if "areas_worked" in amendment.changes:
            amendment.changes["areas_worked"] = [convert(value) for value in amendment.changes["areas_worked"]]
            amendment.save(update_fields=["changes"])


def broad_areas_to_regions(apps, schema_editor):
    _convert(apps, _regions)


def regions_to_broad_areas(apps, schema_editor):
    _convert(apps, _broad)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0014_doctors_ok"),
    ]

    operations = [
        migrations.AddField(
            model_name="sessionnote",
            name="areas_to_avoid",
            field=models.JSONField(
                blank=True, default=list, help_text="Carried forward to the client's next session's notes."
            ),
        ),
        migrations.RunPython(broad_areas_to_regions, regions_to_broad_areas),
    ]
