"""What the SMS pipeline raises to its callers (the sign-in flows and the console)."""


class NoSmsConnector(Exception):
    """The tenant has no enabled SMS connector, so no code can be sent."""


class SmsQueueUnavailable(Exception):
    """The task queue refused the message: the row is already FAILED (error class "queue"); answer 503."""

    def __init__(self, sms_message):
        super().__init__(f"SMS {sms_message.pk} could not be queued")
        self.sms_message = sms_message


class TestSendRateLimited(Exception):
    """Too many console test sends in the current window (per admin or per tenant)."""

    __test__ = False  # not a pytest test class, whatever its name says

    def __init__(self, retry_after: int):
        super().__init__(f"Too many test sends; retry in {retry_after} s")
        self.retry_after = retry_after


class SmsBudgetExceeded(Exception):
    """Today's SMS budget (or the destination country's cap) is spent: nothing was queued (connectors.budget)."""

    def __init__(self, *, country: str = "", retry_after: int = 0):
        super().__init__(f"SMS budget exceeded{f' for {country}' if country else ''}")
        self.country, self.retry_after = country, retry_after
