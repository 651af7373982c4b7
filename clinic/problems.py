"""The problems clients come to the clinic with (DOMAIN.md's list), shared by therapist
specialities, the booking health screen and aftercare so they all speak of the same things."""

from django.db import models


class Problem(models.TextChoices):
    PLANTAR_FASCIITIS = "plantar_fasciitis", "Heel or arch pain (plantar fasciitis)"
    KNEE_PAIN = "knee_pain", "Knee pain"
    SHIN_SPLINTS = "shin_splints", "Shin splints"
    ACHILLES = "achilles", "Achilles tendon pain"
    HIP_DEEP_GLUTE = "hip_deep_glute", "Hip or deep buttock pain"
    POST_TRAINING = "post_training", "Recovery after training"
    GENERAL_TIGHTNESS = "general_tightness", "General tightness"
    RELAXATION = "relaxation", "Relaxation and stress"
