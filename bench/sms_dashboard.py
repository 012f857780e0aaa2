"""(e) The SMS dashboard at 100,000 and 1,000,000 message rows: p50 render time and SQL queries per page.

In-process like (c): Django's test client signed in as the tenant's owner, a throwaway PostgreSQL database, Redis
as cache, DEBUG off. Rows are written by one INSERT … SELECT generate_series (a million in seconds), all of them
the bench tenant's and all within the last 30 days: the worst case for the 30-day view, which then aggregates
every row. Mixed statuses, receipts, countries and fees.

Run as `python -m bench.sms_dashboard [--rows 100000,1000000]`; prints one JSON line.
"""
import argparse
import json
import time

from bench.common import console_in_process, measure_page

ROWS = (100_000, 1_000_000)
RENDERS = 15
DB_NAME = "postern_bench_dashboard"
COUNTRIES = ("CN", "CN", "CN", "CN", "GB", "US", "DE", "IN", "BR", "SG")
ERROR_CLASSES = ("phone_number", "per_number_limit", "network", "balance_quota", "template")


def seed_messages(tenant_ids, count, *, span_seconds, start=0):
    """Insert `count` SmsMessage rows, created over the last `span_seconds` and dealt to the tenants in turn (as
    production traffic interleaves them on disk), in one statement.

    Statuses: 1 in 20 FAILED (error classes in turn), 1 in 50 QUEUED, the rest SENT; of the SENT, receipts
    DELIVERED (7 in 10), UNDELIVERED, EXPIRED and UNKNOWN (1 each); fee 1 per SMS (2 outside CN).
    """
    from django.db import connection

    from connectors.models import SmsMessage

    known = {
        "tenant_id": "(%(tenants)s::text[])[1 + g %% %(n_tenants)s]", "connector_id": "NULL", "provider": "'tencent'", "usage_type": "'SignIn'",
        "phone": "'+86139' || lpad((g %% 100000000)::text, 8, '0')", "template_code": "'1001'",
        "status": "CASE WHEN g %% 20 = 0 THEN 'FAILED' WHEN g %% 50 = 1 THEN 'QUEUED' ELSE 'SENT' END",
        "attempts": "1", "uncertain_attempts": "0", "code_encrypted": "''", "config_encrypted": "''",
        "valid_until": "c + interval '5 minutes'", "is_test": "false", "provider_request_id": "''",
        "serial_no": "''",
        "fee": "CASE WHEN g %% 20 <> 0 AND g %% 50 <> 1 THEN (CASE WHEN g %% 10 < 4 THEN 1 ELSE 2 END) END",
        "error_code": "CASE WHEN g %% 20 = 0 THEN 'Error.Code' ELSE '' END",
        "error_class": "CASE WHEN g %% 20 = 0 THEN (%(error_classes)s::text[])[1 + (g / 20) %% %(n_errors)s] ELSE '' END",
        "error_message": "''", "created_at": "c", "sending_at": "c",
        "finished_at": "CASE WHEN g %% 50 = 1 THEN NULL ELSE c + interval '1 second' END",
        "country": "(%(countries)s::text[])[1 + g %% %(n_countries)s]", "route": "''", "template_locale": "''",
        "delivery_status": "CASE WHEN g %% 20 = 0 OR g %% 50 = 1 THEN 'UNKNOWN' WHEN g %% 7 = 0 THEN 'UNDELIVERED' "
                           "WHEN g %% 7 = 1 THEN 'EXPIRED' WHEN g %% 7 = 2 THEN 'UNKNOWN' ELSE 'DELIVERED' END",
        "delivery_code": "''", "delivery_description": "''",
        "delivered_at": "CASE WHEN g %% 20 <> 0 AND g %% 50 <> 1 AND g %% 7 > 2 "
                        "THEN c + (2 + g %% 30) * interval '1 second' END",
        "receipt_received_at": "NULL",
    }
    columns, values, params = [], [], {
        "tenants": [str(tenant_id) for tenant_id in tenant_ids], "n_tenants": len(tenant_ids), "countries": list(COUNTRIES), "n_countries": len(COUNTRIES),
        "error_classes": list(ERROR_CLASSES), "n_errors": len(ERROR_CLASSES), "count": count,
        "start": start, "span": span_seconds}
    for field in SmsMessage._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.attname in known:
            values.append(known[field.attname])
        else:  # a field added after this bench was written: its default
            params[field.column] = field.get_default()
            values.append(f"%({field.column})s")
    table = SmsMessage._meta.db_table
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM ("
           f"SELECT g, now() - (g - %(start)s) * (%(span)s::float / %(count)s) * interval '1 second' AS c "
           f"FROM generate_series(%(start)s + 1, %(start)s + %(count)s) AS g) AS rows")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute(f"ANALYZE {table}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.sms_dashboard")
    parser.add_argument("--rows", default=",".join(str(n) for n in ROWS), help="row counts, comma-separated")
    args = parser.parse_args(argv)
    sizes = sorted(int(n) for n in args.rows.split(","))
    with console_in_process(DB_NAME) as (client, tenant):
        from django.urls import reverse

        url = reverse("connectors:message_dashboard", args=[tenant.pk])
        results, seeded = {}, 0
        for size in sizes:
            started = time.perf_counter()
            # Each size is the bench tenant's own row count, all in the last 30 days: the dashboard's worst case.
            seed_messages([tenant.pk], size - seeded, span_seconds=30 * 86400, start=seeded)
            seeded = size
            results[str(size)] = {"seed_s": round(time.perf_counter() - started, 1), "periods": {
                period: measure_page(client, f"{url}?period={period}", RENDERS) for period in ("24h", "7d", "30d")}}
        print(json.dumps({"rows": sizes, "renders": RENDERS, "results": results}))


if __name__ == "__main__":
    main()
