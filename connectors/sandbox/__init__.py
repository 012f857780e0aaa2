"""The SMS sandbox: a local Tencent Cloud SMS API (SendSms, PullSmsSendStatus 2021-01-11) that checks TC3 signatures
like Tencent, plays one account (account.py) and fails on cue; `manage.py tencent_sms_emulator` serves it."""
