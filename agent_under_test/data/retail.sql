-- Acme Outfitters' customer-service data: created fresh in each session's agent.sqlite.
-- Dates are relative to the day of the call (the agent's "today" is 2026-11-25, a Wednesday).

CREATE TABLE customers (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    phone    TEXT NOT NULL,
    email    TEXT NOT NULL,
    postcode TEXT NOT NULL
);

CREATE TABLE orders (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    placed_on    TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('packing', 'shipped', 'delivered', 'returned')),
    status_note  TEXT NOT NULL,
    delivered_on TEXT,
    address      TEXT NOT NULL,
    total_gbp    REAL NOT NULL,
    sale_items   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE order_items (
    order_id TEXT NOT NULL REFERENCES orders(id),
    sku      TEXT NOT NULL,
    name     TEXT NOT NULL,
    quantity INTEGER NOT NULL
);

CREATE TABLE address_changes (
    id          INTEGER PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES orders(id),
    old_address TEXT NOT NULL,
    new_address TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    changed_at  REAL NOT NULL
);

CREATE TABLE returns (
    id         INTEGER PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders(id),
    reason     TEXT NOT NULL,
    status     TEXT NOT NULL,
    session_id TEXT NOT NULL,
    created_at REAL NOT NULL
);

INSERT INTO customers VALUES
    ('C001', 'Jordan Lee', '5550199', 'jordan@gmail.com', 'NW1 6XE'),
    ('C002', 'Priya Shah', '07700900456', 'priya.shah@outlook.com', 'M1 4BT'),
    ('C003', 'Sam Okafor', '07700900789', 'sam.okafor@yahoo.com', 'EH1 1YZ');

INSERT INTO orders VALUES
    ('42791', 'C001', '2026-11-18', 'shipped', 'shipped yesterday and should arrive on Friday',
     NULL, '4 Mill Lane', 86.50, 0),
    ('10358', 'C002', '2026-11-23', 'packing', 'is being packed and will ship tomorrow',
     NULL, '8 Elm Road', 42.00, 0),
    ('77120', 'C003', '2026-11-10', 'delivered', 'was delivered on Monday to the front desk',
     '2026-11-23', '19 Castle Street', 129.99, 1),
    ('31544', 'C001', '2026-09-28', 'delivered', 'was delivered on the second of October',
     '2026-10-02', '4 Mill Lane', 58.00, 0);

INSERT INTO order_items VALUES
    ('42791', 'JKT-204', 'waterproof jacket', 1),
    ('42791', 'SCK-011', 'wool socks', 2),
    ('10358', 'TSH-330', 'linen shirt', 1),
    ('77120', 'BOT-812', 'walking boots', 1),
    ('31544', 'JMP-150', 'merino jumper', 1);
