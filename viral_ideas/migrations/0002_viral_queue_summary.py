"""The `viral_queue_summary` view: an entry with its strategy fields and competitor counts.

Unlike the original's view it includes current_step and error_message (the original's status
endpoint selected them and failed). JSON extraction differs per database, so the SQL does too.
"""

from django.db import migrations

COLUMNS = """
    q.id, q.session_id, q.primary_username, q.status, q.priority, q.progress_percentage,
    q.current_step, q.error_message, q.submitted_at, q.started_processing_at, q.completed_at,
    q.auto_rerun_enabled, q.rerun_frequency_hours, q.total_runs, q.last_analysis_at,
    q.next_scheduled_run, q.estimated_completion, {content_type} AS content_type, {target_audience} AS target_audience,
    {goals} AS main_goals, q.content_strategy AS full_content_strategy, q.analysis_settings,
    (SELECT COUNT(*) FROM viral_ideas_competitors c WHERE c.queue_id = q.id AND c.is_active) AS active_competitors_count,
    (SELECT COUNT(*) FROM viral_ideas_competitors c WHERE c.queue_id = q.id) AS total_competitors_count
"""

POSTGRES = "CREATE VIEW viral_queue_summary AS SELECT" + COLUMNS.format(
    content_type="q.content_strategy ->> 'contentType'",
    target_audience="q.content_strategy ->> 'targetAudience'",
    goals="q.content_strategy ->> 'goals'",
) + " FROM viral_ideas_queue q"

SQLITE = "CREATE VIEW viral_queue_summary AS SELECT" + COLUMNS.format(
    content_type="json_extract(q.content_strategy, '$.contentType')",
    target_audience="json_extract(q.content_strategy, '$.targetAudience')",
    goals="json_extract(q.content_strategy, '$.goals')",
) + " FROM viral_ideas_queue q"


def create_view(apps, schema_editor):
    sql = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    schema_editor.execute(sql)


def drop_view(apps, schema_editor):
    schema_editor.execute("DROP VIEW IF EXISTS viral_queue_summary")


class Migration(migrations.Migration):
    dependencies = [("viral_ideas", "0001_initial")]

    operations = [migrations.RunPython(create_view, drop_view)]
