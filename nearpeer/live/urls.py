from django.urls import path

from . import views

app_name = "live"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("live/decks/", views.deck_list, name="deck-list"),
    path("live/decks/new/", views.deck_create, name="deck-create"),
    path("live/decks/<int:pk>/", views.deck_detail, name="deck-detail"),
    path("live/decks/<int:pk>/edit/", views.deck_edit, name="deck-edit"),
    path("live/decks/<int:pk>/copy/", views.deck_copy, name="deck-copy"),
    path("live/decks/<int:pk>/items/new/", views.item_create, name="item-create"),
    path("live/items/<int:pk>/edit/", views.item_edit, name="item-edit"),
    path("live/items/<int:pk>/image/", views.item_image, name="item-image"),
    path("live/items/<int:pk>/delete/", views.item_delete, name="item-delete"),
    path("live/items/<int:pk>/move/", views.item_move, name="item-move"),
    path("live/decks/<int:pk>/present/", views.deck_present, name="deck-present"),
    path("live/decks/<int:pk>/screen/", views.deck_screen, name="deck-screen"),
    path("live/decks/<int:pk>/control/", views.deck_control, name="deck-control"),
    path("live/decks/<int:pk>/leaderboard/", views.deck_leaderboard, name="deck-leaderboard"),
    path("live/questions/<int:pk>/moderate/", views.question_moderate, name="question-moderate"),
    path("live/questions/<int:pk>/reply/", views.question_reply, name="question-reply"),
    path("live/decks/<int:pk>/export.csv", views.deck_export, name="deck-export"),
    path("live/items/<int:pk>/export.csv", views.item_export, name="item-export"),
    path("live/decks/<int:pk>/questions.csv", views.questions_export, name="deck-questions-export"),
    path("live/<str:code>/", views.participate, name="participate"),
    path("live/<str:code>/answer/", views.answer, name="answer"),
    path("live/<str:code>/ask/", views.ask, name="ask"),
    path("live/<str:code>/nickname/", views.nickname, name="nickname"),
    path("live/<str:code>/snapshot/", views.snapshot, name="snapshot"),
]
