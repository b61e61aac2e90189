"""Signals other apps listen to (notifications tells people; members never imports it)."""

from django.dispatch import Signal

# sender=YearChangeRequest, request=<the YearChangeRequest>
year_change_requested = Signal()
year_change_decided = Signal()
