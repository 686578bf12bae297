from django.db import models


class RateCounter(models.Model):
    """How many times something keyed (`post:<user>:60`) happened in the current window.

    Written only by `core.ratelimit.hit`, with one atomic upsert (decision 0005)."""

    key = models.CharField(max_length=255, unique=True)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["window_start"], name="core_ratecounter_window")]

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.window_start:%Y-%m-%d %H:%M:%S}"


class DataVersion(models.Model):
    """The version of one app's data, for results kept between requests (`core.results`): a new
    token on every change to that app's rows."""

    app = models.CharField(max_length=50, primary_key=True)
    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.app}: {self.token}"
