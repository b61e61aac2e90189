from django.shortcuts import render


def home(request):
    return render(request, "core/placeholder.html", {"heading": "Questions — home"})
