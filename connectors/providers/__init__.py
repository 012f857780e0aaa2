"""SMS providers: one module per provider, each a subclass of `base.SmsProvider`."""
