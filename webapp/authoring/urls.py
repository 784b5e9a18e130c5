from django.urls import path

from webapp.authoring import views

app_name = "authoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.new_course, name="new_course"),
    path("courses/<slug:slug>/", views.draft, name="draft"),
    path("courses/<slug:slug>/upload/", views.upload, name="upload"),
    path("courses/<slug:slug>/files/<path:name>", views.edit_file, name="edit_file"),
    path("courses/<slug:slug>/kcs/new/", views.add_kc, name="add_kc"),
    path("courses/<slug:slug>/kcs/remove/", views.remove_kc, name="remove_kc"),
    path("courses/<slug:slug>/graph/", views.graph, name="graph"),
    path("courses/<slug:slug>/items/<str:item_id>/", views.preview_item, name="preview_item"),
    path("courses/<slug:slug>/publish/", views.publish, name="publish"),
    path("courses/<slug:slug>/discard/", views.discard, name="discard"),
]
