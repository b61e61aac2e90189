"""Images on live items: an ECG or X-ray to answer about. Uploaded with a description, checked by
content, shown with the item, and served only to whoever may see that item now."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nearpeer.live import services
from nearpeer.live.models import Item, ItemKind
from nearpeer.questions.models import QuestionVersion
from nearpeer.questions.tests.factories import make_question
from nearpeer.teaching.tests.factories import SessionFactory

# The smallest things filetype recognises as a PNG and as a GIF.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
GIF = b"GIF89a" + bytes(64)


def png(name: str = "ecg.png", data: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def ecg_item(deck, **extra) -> Item:
    return services.add_item(
        deck=deck, kind=ItemKind.CHOICE, prompt="Which rhythm?", options=["AF", "Flutter"],
        image=png(), image_alt="Irregularly irregular narrow-complex rhythm", **extra,
    )  # fmt: skip


def test_an_uploaded_image_is_kept_with_its_description_and_type(deck):
    item = ecg_item(deck)
    assert (item.image_type, item.image_alt) == (
        "image/png",
        "Irregularly irregular narrow-complex rhythm",
    )
    assert item.image.read() == PNG
    public = item.public_dict()
    assert public["image"].startswith(f"/live/items/{item.pk}/image/?v=")
    assert public["image_alt"] == "Irregularly irregular narrow-complex rhythm"


NOT_AN_IMAGE = "The file is not a PNG, JPEG, GIF or WebP image."
TOO_LARGE = "The image is larger than 2 MB."
NO_ALT = "Describe the image for screen-reader users."


@pytest.mark.parametrize(
    ("upload", "alt", "errors"),
    [
        (png(data=b"%PDF-1.7" + bytes(64)), "An ECG", {"image": [NOT_AN_IMAGE]}),
        (png(), "  ", {"image_alt": [NO_ALT]}),
        (png(data=PNG + bytes(2 * 1024 * 1024)), "An ECG", {"image": [TOO_LARGE]}),
    ],
)
def test_a_wrong_file_or_a_missing_description_is_refused(deck, upload, alt, errors):
    with pytest.raises(ValidationError) as caught:
        services.add_item(
            deck=deck, kind=ItemKind.CHOICE, prompt="Which?", options=["A", "B"],
            image=upload, image_alt=alt,
        )  # fmt: skip
    assert caught.value.message_dict == errors
    assert deck.items.count() == 3


def test_a_bank_question_brings_its_image(session):
    question = make_question()
    QuestionVersion.objects.filter(pk=question.published_version_id).update(
        image="questions/images/x/1-ecg.png", image_type="image/png", image_alt="Inferior STEMI"
    )
    question.refresh_from_db()
    deck = services.create_deck(session=session, title="Bank")
    item = services.add_item(deck=deck, kind=ItemKind.QUESTION, question=question)
    assert (item.image.name, item.image_type, item.image_alt) == (
        "questions/images/x/1-ecg.png",
        "image/png",
        "Inferior STEMI",
    )
    # The bank's image is the bank's: an edit leaves it alone.
    edited = services.update_item(item=item, prompt="", image=png(), remove_image=True)
    assert edited.image.name == "questions/images/x/1-ecg.png"


def test_edits_replace_describe_or_remove_the_image_and_copies_share_it(live_deck, session):
    item = ecg_item(live_deck)
    first_url = item.image_url
    services.update_item(item=item, prompt=item.prompt, options=item.options, image_alt="AF")
    item.refresh_from_db()
    assert (item.image_alt, item.image_url) == ("AF", first_url)
    with pytest.raises(ValidationError) as caught:
        services.update_item(item=item, prompt=item.prompt, options=item.options, image_alt="")
    assert caught.value.message_dict == {
        "image_alt": ["Describe the image for screen-reader users."]
    }
    gif = SimpleUploadedFile("flutter.gif", GIF, content_type="image/gif")
    services.update_item(item=item, prompt=item.prompt, options=item.options, image=gif)
    item.refresh_from_db()
    assert (item.image_type, item.image_alt) == ("image/gif", "AF")
    assert item.image_url != first_url
    copy = services.copy_deck(deck=live_deck, session=SessionFactory())
    copied = copy.items.get(position=item.position)
    assert (copied.image.name, copied.image_alt) == (item.image.name, "AF")
    # New options before anyone answered: a new item in its place, with the image.
    replacement = services.update_item(item=item, prompt="Which?", options=["AF", "Flutter", "VT"])
    assert replacement.pk != item.pk and replacement.image.name == item.image.name
    services.update_item(
        item=replacement, prompt="Which?", options=["AF", "Flutter", "VT"], remove_image=True
    )
    replacement.refresh_from_db()
    assert (replacement.image.name, replacement.image_alt, replacement.image_url) == ("", "", None)


def test_participants_get_the_open_items_image_and_never_one_to_come(client, live_deck):
    shown = ecg_item(live_deck)
    services.control_deck(deck=live_deck, action="goto", item_id=shown.pk)
    later = ecg_item(live_deck)
    now = client.get(shown.image_url)
    assert now.status_code == 200 and b"".join(now.streaming_content) == PNG
    assert (now["Content-Type"], now["X-Content-Type-Options"]) == ("image/png", "nosniff")
    assert client.get(later.image_url).status_code == 404
    services.control_deck(deck=live_deck, action="end")
    assert client.get(later.image_url).status_code == 200


def test_a_members_only_decks_images_need_signing_in(client, session, member):
    deck = services.create_deck(session=session, title="Members", allow_anonymous=False)
    item = ecg_item(deck)
    services.control_deck(deck=deck, action="open")
    assert client.get(item.image_url).status_code == 404
    client.force_login(member)
    assert client.get(item.image_url).status_code == 200


def test_the_teacher_sees_every_image_and_the_pages_show_them(client, live_deck, lead_teacher):
    later = ecg_item(live_deck)
    client.force_login(lead_teacher)
    assert client.get(later.image_url).status_code == 200
    detail = client.get(live_deck.get_absolute_url()).content.decode()
    assert f'src="{later.image_url}" alt="Irregularly irregular narrow-complex rhythm"' in detail
    services.control_deck(deck=live_deck, action="goto", item_id=later.pk)
    client.logout()
    page = client.get(reverse("live:participate", kwargs={"code": live_deck.code}))
    assert f'src="{later.image_url}"' in page.content.decode()


def test_teacher_adds_an_item_with_an_image_through_the_form(client, deck, lead_teacher):
    client.force_login(lead_teacher)
    url = reverse("live:item-create", kwargs={"pk": deck.pk})
    page = client.get(deck.get_absolute_url()).content.decode()
    assert 'enctype="multipart/form-data"' in page
    missing = client.post(url, {"kind": "text", "prompt": "Describe it", "image": png()})
    assert missing.status_code == 400
    assert "Image description: Describe the image for screen-reader users." in (
        missing.content.decode()
    )
    client.post(
        url, {"kind": "text", "prompt": "Describe it", "image": png(), "image_alt": "A CXR"}
    )
    item = deck.items.get(position=4)
    assert (item.image_type, item.image_alt) == ("image/png", "A CXR")
    edit = reverse("live:item-edit", kwargs={"pk": item.pk})
    assert 'name="remove_image"' in client.get(edit).content.decode()
    client.post(edit, {"prompt": "Describe it", "image_alt": "A CXR", "remove_image": "on"})
    item.refresh_from_db()
    assert not item.image


def test_an_image_gone_from_storage_is_a_404_not_an_error(client, live_deck, lead_teacher):
    item = ecg_item(live_deck)
    item.image.storage.delete(item.image.name)
    client.force_login(lead_teacher)
    assert client.get(item.image_url).status_code == 404


def test_a_phone_fetches_the_open_items_image_with_one_query(
    client, live_deck, django_assert_num_queries
):
    """A room's phones all fetch the image when the item opens: one query each."""
    item = ecg_item(live_deck)
    services.control_deck(deck=live_deck, action="goto", item_id=item.pk)
    with django_assert_num_queries(1):
        response = client.get(item.image_url)
    assert response.status_code == 200
