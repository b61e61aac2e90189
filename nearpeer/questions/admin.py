from django.contrib import admin

from .models import Comment, Paper, PaperItem, Question, QuestionVersion, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


class VersionInline(admin.StackedInline):
    model = QuestionVersion
    extra = 0
    readonly_fields = ["created_by", "created_at"]
    fields = ["number", "qtype", "title", "stem", "options", "explanation", "references",
              "image", "image_alt", "created_by", "created_at"]  # fmt: skip


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "author", "updated_at"]
    list_filter = ["status", "tags"]
    search_fields = ["versions__title", "versions__stem"]
    raw_id_fields = ["author", "peer_reviewer", "endorsed_by", "latest_version",
                     "published_version"]  # fmt: skip
    filter_horizontal = ["tags"]
    inlines = [VersionInline]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["question", "kind", "created_at", "resolved_at"]
    list_filter = ["kind"]
    raw_id_fields = ["question", "version", "author"]


class PaperItemInline(admin.TabularInline):
    model = PaperItem
    extra = 0
    raw_id_fields = ["question", "version"]


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "duration_minutes", "created_at"]
    inlines = [PaperItemInline]
