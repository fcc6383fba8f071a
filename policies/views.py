from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from newsroom.staff import staff_page
from policies import services, tasks
from policies.models import LearnedModel, ModelEvent
from policies.selectors import live_model_record, model_status, retraining


def training_data_folder() -> Path:
    """Labelled files put on the server to train on beside the site's decisions (the folder need not exist)."""
    return Path(settings.VAR_DIR) / "training"


class TrainForm(forms.Form):
    name = forms.CharField(required=False, max_length=200, label="Name (optional)")
    sources = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Also train on (labelled files in var/training/)"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only names offered by the form (files in the folder), never a path a user wrote.
        files = sorted(p.name for p in training_data_folder().glob("*.jsonl") if p.is_file())
        self.fields["sources"].choices = [(name, name) for name in files]  # type: ignore[attr-defined]
        self.fields["name"].widget.attrs["class"] = "form-control form-control-sm"


ACTIONS = {"train", "shadow", "unshadow", "live", "rollback", "compare"}


@staff_page
def training(request: HttpRequest) -> HttpResponse:
    """The learned model: the live one and its card, whether enough decisions came in to train another, the
    candidates compared with it on held-out decisions, and shadowing, making live and rolling back."""
    if request.method == "POST":
        return _act(request)
    tasks.trainings_check()  # a training whose worker died says so, rather than "training" forever
    live = live_model_record()
    status = model_status()
    rows = list(LearnedModel.objects.select_related("created_by", "previous")[:50])
    shown = _shown(request, rows)
    context = {
        "live": live,
        # What a comparison names as the live model it was made against (None: the shipped one).
        "live_key": live.pk if live is not None and not live.is_shipped else None,
        "status": status,
        "card": live.card if live is not None else (status.model.metadata if status.model else {}),
        "retraining": retraining(live),
        "form": TrainForm(),
        "training": next((row for row in rows if row.state == LearnedModel.State.TRAINING), None),
        "models": rows,
        "shown": shown,
        "events": ModelEvent.objects.select_related("model", "actor")[:20],
    }
    return render(request, "policies/training.html", context)


def _shown(request: HttpRequest, rows: list[LearnedModel]) -> LearnedModel | None:
    """The model whose comparison the page shows: the one asked for, else the newest one compared."""
    wanted = request.GET.get("model", "")
    if wanted.isdecimal():  # int() takes any decimal digit; "²".isdigit() holds and int() refuses it
        return next((row for row in rows if row.pk == int(wanted)), None)
    return next((row for row in rows if row.comparison and row.state != LearnedModel.State.LIVE), None)


def _act(request: HttpRequest) -> HttpResponse:
    """One button's POST: done, audited, and said so on the page it returns to (or why not)."""
    user = request.user if request.user.is_authenticated else None
    action = request.POST.get("action", "")
    model: LearnedModel | None = None
    if request.POST.get("model", "").isdecimal():
        model = LearnedModel.objects.filter(pk=int(request.POST["model"])).first()
    back = reverse("policies:models") + (f"?model={model.pk}" if model is not None else "")
    if action not in ACTIONS or (action not in ("train", "rollback", "unshadow") and model is None):
        messages.error(request, "Nothing changed: that model is not there any more (reload the page).")
        return redirect(back)
    try:
        if action == "train":
            form = TrainForm(request.POST)
            if not form.is_valid():
                problems = "; ".join(str(error) for errors in form.errors.values() for error in errors)
                messages.error(request, f"Nothing started: {problems}")
                return redirect(back)
            folder = training_data_folder()
            started = services.model_train_start(
                actor=user, name=form.cleaned_data["name"],
                data=[folder / name for name in form.cleaned_data["sources"]],
            )  # fmt: skip
            messages.success(request, f"Training {started.name} in the background: this page shows it when done.")
            back = reverse("policies:models") + f"?model={started.pk}"
        elif action == "shadow" and model is not None:
            services.model_shadow(model=model, actor=user)
            messages.success(request, f"{model.name} now judges every comment beside the live model, deciding nothing.")
        elif action == "unshadow":
            services.model_shadow(model=None, actor=user)
            messages.success(request, "No model shadows the live one now.")
        elif action == "live" and model is not None:
            services.model_make_live(model=model, actor=user)
            messages.success(request, f"{model.name} is now the live model: every new comment is judged with it.")
        elif action == "rollback":
            back_to = services.model_roll_back(actor=user)
            messages.success(request, f"Rolled back: {back_to.name} is the live model again.")
        elif action == "compare" and model is not None:
            services.model_compare_again(model=model)
            messages.success(request, f"Comparing {model.name} with the live model again, in the background.")
    except services.ModelRefused as refused:
        messages.error(request, f"Nothing changed: {refused.messages[0]}")
    return redirect(back)
