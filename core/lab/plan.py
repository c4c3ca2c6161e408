"""Before a training starts: how long it will take on this server, what is ahead of it, and whether it may start."""

import os
from dataclasses import dataclass

# Beyond this a class loses patience: the learner confirms first.
CONFIRM_ABOVE_SECONDS = 30.0
CAP_VARIABLE = "CONVLAB_MAX_TRAINING_SECONDS"


@dataclass(frozen=True)
class TrainingPlan:
    """The trainings a setting needs, estimated from the speed this server has measured."""

    seconds: dict[str, float]  # model name → estimated seconds alone; only the models not trained yet
    ahead: tuple  # core.serving's Work items: what is queued or running now for other settings or sessions
    cap_seconds: float | None  # this server's limit on one setting's training, if any

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    @property
    def needs_training(self) -> bool:
        return bool(self.seconds)

    @property
    def over_cap(self) -> bool:
        return self.cap_seconds is not None and self.total_seconds > self.cap_seconds

    @property
    def needs_confirmation(self) -> bool:
        return self.needs_training and not self.over_cap and self.total_seconds > CONFIRM_ABOVE_SECONDS

    def describe(self) -> str:
        """One sentence for the sidebar: the estimate, then what is ahead of it."""
        if not self.needs_training:
            return "These settings are trained: every student with them shares the models."
        parts = ", ".join(f"{name} {duration(seconds)}" for name, seconds in self.seconds.items())
        text = f"Training takes about **{duration(self.total_seconds)}** on this server ({parts})."
        if self.ahead:
            waiting = sum(work.remaining_seconds for work in self.ahead)
            jobs = "; ".join(
                f"{work.description}, about {duration(work.remaining_seconds)} left" for work in self.ahead
            )
            text += (
                f" Also running for the class ({duration(waiting)} of work in all, shorter work goes first): {jobs}."
            )
        return text


def plan_trainings(cache, models) -> TrainingPlan:
    """What training these models would take on this server, before anything starts: `models` is (name, kind, config)
    each; only the models nobody has started yet are estimated (one under way for someone else is simply waited for),
    and the estimates of one name add up (a variant's seeds)."""
    found = [(name, kind, config, cache.find(kind, config)) for name, kind, config in models]
    seconds: dict[str, float] = {}
    for name, kind, config, job in found:
        if job is None:
            seconds[name] = seconds.get(name, 0.0) + cache.estimate_seconds(kind, config)
    mine = [job for *_, job in found]
    ahead = tuple(work for work in cache.ahead() if work.job not in mine)
    return TrainingPlan(seconds, ahead, training_cap_seconds())


def training_cap_seconds(environ=os.environ) -> float | None:
    """The server's cap from CONVLAB_MAX_TRAINING_SECONDS (unset, empty or 0: no cap, as on a laptop)."""
    text = environ.get(CAP_VARIABLE, "").strip()
    try:
        value = float(text) if text else 0.0
    except ValueError:
        return None
    return value if value > 0 else None


def duration(seconds: float) -> str:
    """A human duration: '0.8 s', '12 s', '3 min 20 s'."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"
