# Score definitions: who holds authority, who rated a norm, the new score columns and bases.

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('groups', '0006_form_submissions'),
    ]

    operations = [
        migrations.AddField(
            model_name='externalactor',
            name='has_authority',
            field=models.BooleanField(blank=True, help_text="Government offices, agencies, NGOs, banks, health services and schools do by default; the members' own cooperative, a business or a mosque committee do not.", null=True, verbose_name='holds power or resources over the community'),
        ),
        migrations.AddField(
            model_name='groupscore',
            name='aid_value_share',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='groupscore',
            name='balanced_share',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='groupscore',
            name='bases',
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name='groupscore',
            name='bridges',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='groupscore',
            name='capacity_building',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='groupscore',
            name='quality',
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name='normreview',
            name='rated_by',
            field=models.CharField(blank=True, choices=[('group_meeting', 'The group, at a meeting'), ('leader', 'The group leader'), ('facilitator', 'The facilitator'), ('members', 'Members, each on their own')], help_text='Blank for reviews recorded before this was asked.', max_length=16, verbose_name='who rated'),
        ),
        migrations.AddField(
            model_name='normreview',
            name='raters',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(10000)], verbose_name='how many people rated'),
        ),
        migrations.AddField(
            model_name='personscore',
            name='bases',
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name='personscore',
            name='cut_off',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='confirmed_only',
            field=models.BooleanField(default=False, help_text='Only exchanges the other side confirmed; otherwise pending ones count too.', verbose_name='confirmed exchanges only'),
        ),
    ]
