"""Write the URLs already stored as the HSDS feed needs them (providers/uris.py): percent-encoded, with a scheme.

Before 0011 a URL Django accepts but RFC 3986 does not (a curly apostrophe, a space, a non-ASCII host) could be
saved, and the feed then failed the official schema. A URL normalise_url cannot read is left as it is (an editor's
next save will ask for a valid one). Reversing changes nothing: the encoded address points where the old one did.
"""

from django.db import migrations

from providers.uris import WebAddressField, normalise_url


def normalise_stored_urls(apps, schema_editor) -> None:
    for model in apps.get_app_config("providers").get_models():
        names = [field.name for field in model._meta.fields if isinstance(field, WebAddressField)]
        for name in names:
            for pk, value in model.objects.exclude(**{name: ""}).values_list("pk", name).iterator():
                try:
                    url, _ = normalise_url(value)
                except ValueError:
                    continue
                if url != value:
                    model.objects.filter(pk=pk).update(**{name: url})


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0011_urls_as_the_feed_needs_them_and_limits_real_data_holds"),
    ]

    operations = [
        migrations.RunPython(normalise_stored_urls, migrations.RunPython.noop),
    ]
