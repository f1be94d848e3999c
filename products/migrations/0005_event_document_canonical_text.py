"""Keep each event document as the canonical text its chain hash covers."""

import json

from django.db import migrations

import products.canonical


def rewrite_as_canonical(apps, schema_editor):
    """The database JSON type may have reordered or respaced the text: write it back canonically.
    The chain hashes were computed over this same canonical text, so the chain still verifies."""
    connection = schema_editor.connection
    table = connection.ops.quote_name("products_event")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, document FROM {table}")
        rows = cursor.fetchall()
        for pk, text in rows:
            value = text if isinstance(text, dict | list) else json.loads(text)
            cursor.execute(f"UPDATE {table} SET document = %s WHERE id = %s",
                           [products.canonical.canonical_json(value), pk])


class Migration(migrations.Migration):

    dependencies = [
        ("products", "0004_custody"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="document",
            field=products.canonical.CanonicalJSONField(verbose_name="EPCIS document"),
        ),
        migrations.RunPython(rewrite_as_canonical, migrations.RunPython.noop),
    ]
