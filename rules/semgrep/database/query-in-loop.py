from models import Order, Profile, User, db


def order_totals(cursor, order_ids):
    totals = {}
    for order_id in order_ids:
        # ruleid: query-in-loop
        cursor.execute("SELECT total FROM orders WHERE id = %s", (order_id,))
        totals[order_id] = cursor.fetchone()[0]
    return totals


def profiles(users):
    out = []
    for user in users:
        # ruleid: query-in-loop
        out.append(Profile.objects.get(user_id=user.id))
    return out


def emails(ids):
    result = []
    for user_id in ids:
        # ruleid: query-in-loop
        result.append(User.query.get(user_id).email)
    return result


def owners(session, orders):
    for order in orders:
        # ruleid: query-in-loop
        order.owner = session.query(User).filter(User.id == order.user_id).one()
    return orders


def order_totals_in_one_query(cursor, order_ids):
    # ok: query-in-loop
    cursor.execute("SELECT id, total FROM orders WHERE id = ANY(%s)", (list(order_ids),))
    return dict(cursor.fetchall())


def profiles_in_one_query(users):
    # ok: query-in-loop
    by_user = {p.user_id: p for p in Profile.objects.filter(user_id__in=[u.id for u in users])}
    return [by_user.get(u.id) for u in users]


def labels(rows):
    out = []
    for row in rows:
        # ok: query-in-loop
        out.append(row.execute_label())
    return out


def unread_counts(db, user_ids):
    # ok: query-in-loop
    for user in db.session.scalars(select(User).where(User.id.in_(user_ids))):
        user.unread = user.pending
    return user_ids


def rebuild_index(session, batches):
    for batch in batches:
        # ruleid: query-in-loop
        for row in session.scalars(select(Order).where(Order.batch == batch)):
            row.indexed = True
