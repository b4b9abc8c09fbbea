"""Cases (事件 / 工单) and 接诉即办: the workflow (pure), its database side, 12345 tickets, KPIs."""
