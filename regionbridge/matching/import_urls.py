"""Routes for bulk import and the taxonomy editor, included by matching/urls.py."""

from django.urls import path

from regionbridge.matching import import_views, taxonomy_views

urlpatterns: list = [
    path("import/", import_views.import_upload, name="import"),
    path("import/preview/", import_views.import_preview, name="import_preview"),
    path("import/confirm/", import_views.import_confirm, name="import_confirm"),
    path("import/template.csv", import_views.import_template, name="import_template"),
    path("taxonomy/", taxonomy_views.topic_list, name="taxonomy"),
    path("taxonomy.json", taxonomy_views.taxonomy_file, name="taxonomy_json"),
    path("taxonomy/new/", taxonomy_views.topic_new, name="taxonomy_new"),
    path("taxonomy/versions/", taxonomy_views.version_list, name="taxonomy_versions"),
    path(
        "taxonomy/versions/<int:number>.json",
        taxonomy_views.version_file,
        name="taxonomy_version_json",
    ),
    path("taxonomy/<slug:code>/edit/", taxonomy_views.topic_edit, name="taxonomy_edit"),
    path("taxonomy/<slug:code>/delete/", taxonomy_views.topic_delete, name="taxonomy_delete"),
]
