"""What accounts announce, for the apps above them to act on (accounts imports none of them).

`user_created` is sent by `services.user_create` once the account is saved, inside its
transaction, with `user`: messaging lets a guest's threads follow them to the new account.
"""

from django.dispatch import Signal

user_created = Signal()
