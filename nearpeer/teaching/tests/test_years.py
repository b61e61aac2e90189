import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from nearpeer.teaching.models import Session
from nearpeer.teaching.tests.factories import SessionFactory
from nearpeer.teaching.years import ALL_YEARS, mask_to_years, masks_with_year, years_to_mask


@given(years=st.sets(st.sampled_from(ALL_YEARS)), year=st.sampled_from(ALL_YEARS))
def test_a_mask_is_listed_for_a_year_exactly_when_it_includes_the_year(years, year):
    mask = years_to_mask(years)

    assert (mask in masks_with_year(year)) == (year in mask_to_years(mask))


def test_each_year_has_the_32_masks_of_the_other_five_years():
    assert [len(masks_with_year(y)) for y in ALL_YEARS] == [32] * 6


@pytest.mark.django_db
def test_sessions_for_a_year_are_exactly_those_targeting_it():
    for_2 = SessionFactory(target_years_mask=years_to_mask([2]))
    for_2_and_3 = SessionFactory(target_years_mask=years_to_mask([2, 3]))
    SessionFactory(target_years_mask=years_to_mask([3]))
    SessionFactory(target_years_mask=0)  # invited members only

    assert set(Session.objects.for_year(2)) == {for_2, for_2_and_3}
    assert Session.objects.for_year(None).count() == 0


@pytest.mark.django_db
def test_sessions_for_a_year_are_found_through_the_index_not_a_scan():
    if connection.vendor != "sqlite":
        pytest.skip("reads SQLite's query plan")
    sql, params = Session.objects.for_year(2).upcoming().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " | ".join(row[-1] for row in cursor.fetchall())

    assert "USING INDEX" in plan and "target_years_mask" in plan, plan
