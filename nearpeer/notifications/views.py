from django.shortcuts import render


def list(request):
    return render(request, "core/placeholder.html", {"heading": "Notifications — list"})
