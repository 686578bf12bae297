"""The directory's search is served by an index: pg_trgm GIN on PostgreSQL, an FTS5 trigram
table on SQLite (organizations/search_index.py says why)."""

from django.db import migrations


def create(apps, schema_editor):
    from regionbridge.organizations import search_index

    search_index.create(schema_editor.connection)


def drop(apps, schema_editor):
    from regionbridge.organizations import search_index

    search_index.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("organizations", "0002_organization_city_organization_institution_type")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
