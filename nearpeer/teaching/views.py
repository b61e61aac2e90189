from django.shortcuts import render


def home(request):
    return render(request, "core/placeholder.html", {"heading": "Teaching — home"})


def timetable(request):
    return render(request, "core/placeholder.html", {"heading": "Teaching — timetable"})


def catch_up(request):
    return render(request, "core/placeholder.html", {"heading": "Teaching — catch-up"})


def teacher_home(request):
    return render(request, "core/placeholder.html", {"heading": "Teaching — teacher-home"})


def dashboard(request):
    return render(request, "core/placeholder.html", {"heading": "Teaching — dashboard"})


def session_detail(request, pk):
    return render(request, "core/placeholder.html", {"heading": f"Session {pk}"})
