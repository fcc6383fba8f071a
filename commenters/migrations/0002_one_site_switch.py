from django.db import migrations


def one_switch(apps, schema_editor):
    apps.get_model("commenters", "SiteSwitch").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("commenters", "0001_initial")]

    operations = [migrations.RunPython(one_switch, migrations.RunPython.noop)]
