"""Display labels NetSuite shows for codes: statuses, transaction types, record types."""

from __future__ import annotations

# BUILTIN.DF of a list field gives its label. Status letters mean something per transaction type.
STATUS_LABELS = {
    ("CustInvc", "A"): "Open",
    ("CustInvc", "B"): "Paid In Full",
    ("CustInvc", "D"): "Pending Approval",
    ("CustInvc", "E"): "Rejected",
    ("CustInvc", "V"): "Voided",
    ("CustCred", "A"): "Open",
    ("CustCred", "B"): "Fully Applied",
    ("Journal", "A"): "Pending Approval",
    ("Journal", "B"): "Approved for Posting",
}
APPROVAL_LABELS = {1: "Pending Approval", 2: "Approved", 3: "Rejected"}
# Record types the sandbox holds: record type id → (transaction type code, label).
RECORD_TYPES = {
    "invoice": ("CustInvc", "Invoice"),
    "creditmemo": ("CustCred", "Credit Memo"),
    "journalentry": ("Journal", "Journal"),
    "customer": ("customer", "Customer"),
}
TYPE_LABELS = {code: label for code, label in RECORD_TYPES.values() if code != "customer"}
