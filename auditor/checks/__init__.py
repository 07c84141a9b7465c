"""One module per checklist family; each function registered with @check(ITEM-ID) reads as its item."""
