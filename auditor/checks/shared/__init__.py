"""What several items share: verdict shapes, finding filters, accessors over the collected data. Never an item."""
