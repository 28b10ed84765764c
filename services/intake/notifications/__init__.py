"""Telling the citizen (告知): an email or an SMS when something happens to their case.

The citizen who gave an email or a mobile number chooses on the form how to be told (`choice`).
Intake's notifying consumer groups turn the events the citizen is told of (`messages.TOLD`, and a
consultation's adoption report) into rows of the notification outbox (`book`), in the transaction
that records the event as processed — unique per (event, case, channel), so a redelivery or a second
instance adds nothing. A sender loop (`sending`) sends them through a port (`port.Sender`) with one
adapter per way: SMTP (`smtp`), an HTTP SMS gateway (`sms_gateway`), or the log (`log_sender`, when
nothing is configured).

Delivery contract — at most once per (event, case, channel):

- a row is claimed (``pending`` → ``sending``, one statement: one sender wins) and committed before
  the adapter is called;
- the adapter says it went out → ``sent``; it raises `port.NotSent` (nothing went out: refused at
  connect, a 4xx/5xx answer before the message was taken) → ``pending`` again with backoff, or
  ``failed`` once the attempts are spent or the refusal is permanent;
- anything else (a timeout or a dropped line after the message was handed over) → ``in_doubt``: it
  may have gone out, so it is never sent again;
- a crash between the claim and the outcome leaves the row ``sending``: never retried, counted in
  ``civic_notifications{state="sending"}`` — an operator sees it and may resend by hand.

Nothing here blocks the case: the rows are written by consumer groups of their own, and sending runs
beside them. Erasing a case's personal data withdraws its unsent rows and blanks every address.
"""
