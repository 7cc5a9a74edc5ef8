"""Recompute stored scores after data change: every save or delete of a row the indicators
read notes what changed; once the transaction commits, the "last 12 months" snapshots of the
affected areas (and the areas above them) that already exist are requested again, at most one
waiting per key however many rows changed (see changes.note_change). The everyday records of
one district (page_cache.DISTRICT_MODELS) make only that district's cached pages stale
(district_only); a person (a name, a consent) every page."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from groups.models import (
    Activity,
    Cycle,
    Exchange,
    ExternalActor,
    Fund,
    LedgerEntry,
    Membership,
    Norm,
    NormReview,
    Person,
)

from .changes import note_actor_change, note_change, note_exchange


@receiver([post_save, post_delete], sender=Exchange, dispatch_uid="scores_exchange")
def exchange_changed(sender, instance, **kwargs):
    note_exchange(instance)


@receiver(post_save, sender=ExternalActor, dispatch_uid="scores_actor")
def actor_changed(sender, instance, created, **kwargs):
    if not created:  # a new actor has no exchange yet
        note_actor_change([instance.pk], [instance.area_id])


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="scores_membership")
def membership_changed(sender, instance, **kwargs):
    note_change(people=[instance.person_id], groups=[instance.group_id], district_only=True)


@receiver([post_save, post_delete], sender=Activity, dispatch_uid="scores_activity")
def activity_changed(sender, instance, **kwargs):
    note_change(groups=[instance.group_id], district_only=True)


@receiver(m2m_changed, sender=Activity.attendees.through, dispatch_uid="scores_attendance")
def attendance_changed(sender, instance, action, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if isinstance(instance, Activity):
        note_change(groups=[instance.group_id], district_only=True)
    else:  # changed from the person's side: pk_set holds activities
        note_change(areas=[instance.area_id], people=[instance.pk], district_only=True)


@receiver([post_save, post_delete], sender=Norm, dispatch_uid="scores_norm")
def norm_changed(sender, instance, **kwargs):
    note_change(groups=[instance.group_id], district_only=True)


@receiver([post_save, post_delete], sender=NormReview, dispatch_uid="scores_norm_review")
def norm_review_changed(sender, instance, **kwargs):
    note_change(norms=[instance.norm_id], district_only=True)


@receiver([post_save, post_delete], sender=Person, dispatch_uid="scores_person")
def person_changed(sender, instance, **kwargs):
    # the area is taken from the instance: after a delete the row is gone
    note_change(areas=[instance.area_id], people=[instance.pk])


@receiver([post_save, post_delete], sender=Fund, dispatch_uid="scores_fund")
def fund_changed(sender, instance, **kwargs):
    note_change(groups=[instance.group_id], district_only=True)


@receiver([post_save, post_delete], sender=Cycle, dispatch_uid="scores_cycle")
def cycle_changed(sender, instance, **kwargs):
    note_change(groups=[instance.fund.group_id], district_only=True)


@receiver([post_save, post_delete], sender=LedgerEntry, dispatch_uid="scores_ledger")
def ledger_entry_changed(sender, instance, **kwargs):
    # the group's money figures read it; the person network never does (scores/collect.py)
    note_change(groups=[instance.fund.group_id], district_only=True)
