"""The thinker's tools: the retailer's operations on the session's SQLite data, and retrieval.

Each call is logged as a `tool_call` event (name, arguments, result) and updates what the agent
knows (`Facts`): looking up an order or a phone number identifies the caller. With
`enforce_ownership`, once the caller is known, another customer's order is refused.
`TOOL_SCHEMAS` describes the same tools to an OpenAI-compatible chat model.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .controller import Controller
from .conversation import Facts
from .retrieval import KnowledgeBase

RETURN_WINDOW_DAYS = 30
SALE_RETURN_WINDOW_DAYS = 14
TODAY = "2026-11-25"
_PHONE_SUFFIX = 6


def _days_between(earlier: str, later: str) -> int:
    parse = time.strptime
    return int(
        (time.mktime(parse(later, "%Y-%m-%d")) - time.mktime(parse(earlier, "%Y-%m-%d"))) // 86400
    )


class ToolBox:
    def __init__(
        self,
        controller: Controller,
        facts: Facts,
        knowledge: KnowledgeBase,
        *,
        enforce_ownership: bool,
    ) -> None:
        self._controller = controller
        self._store = controller.store
        self.facts = facts
        self.knowledge = knowledge
        self._enforce_ownership = enforce_ownership
        self._tools: dict[str, Callable[..., Awaitable[dict[str, Any]]]] = {
            "lookup_order": self.lookup_order,
            "lookup_customer": self.lookup_customer,
            "change_address": self.change_address,
            "start_return": self.start_return,
            "check_policy": self.check_policy,
            "search_knowledge": self.search_knowledge,
        }

    async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Run tool `name` and log it; bad names or arguments come back as an `error` result."""
        tool = self._tools.get(name)
        try:
            result = await tool(**arguments) if tool else {"error": f"no tool named {name!r}"}
        except TypeError as exc:
            result = {"error": f"bad arguments for {name}: {exc}"}
        self._controller.emit("tool_call", {"name": name, "arguments": arguments, "result": result})
        return result

    def _identify(self, customer: dict[str, Any]) -> None:
        if self.facts.customer_id is None:
            self.facts.customer_id = customer["id"]
            self.facts.customer_name = customer["name"]
            self._controller.emit(
                "caller_identified", {"customer_id": customer["id"], "name": customer["name"]}
            )

    async def _rows(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        return await self._store.run(self._store.query, sql, params)

    async def lookup_order(self, order_id: str) -> dict[str, Any]:
        rows = await self._rows(
            "SELECT o.*, c.name AS customer_name FROM orders o "
            "JOIN customers c ON c.id = o.customer_id WHERE o.id = ?",
            (str(order_id),),
        )
        if not rows:
            return {"found": False, "order_id": order_id}
        order = rows[0]
        owner = self.facts.customer_id
        if self._enforce_ownership and owner is not None and order["customer_id"] != owner:
            return {"found": True, "order_id": order_id, "error": "not on the caller's account"}
        self._identify({"id": order["customer_id"], "name": order["customer_name"]})
        self.facts.order_id = order["id"]
        items = await self._rows(
            "SELECT name, quantity FROM order_items WHERE order_id = ?", (order["id"],)
        )
        return {"found": True, **order, "items": items}

    async def lookup_customer(self, phone: str) -> dict[str, Any]:
        digits = re.sub(r"\D", "", phone)
        rows = await self._rows("SELECT id, name FROM customers WHERE phone = ?", (digits,))
        if not rows and len(digits) >= _PHONE_SUFFIX:
            # speech-to-text garbles the start of long numbers most; the tail is a good key
            rows = await self._rows(
                "SELECT id, name FROM customers WHERE phone LIKE ?",
                (f"%{digits[-_PHONE_SUFFIX:]}",),
            )
        if len(rows) != 1:
            return {"found": False}
        self._identify(rows[0])
        return {"found": True, **rows[0]}

    async def change_address(self, order_id: str, new_address: str) -> dict[str, Any]:
        order = await self.lookup_order(order_id)
        if not order.get("found") or "error" in order:
            return {"changed": False, "reason": order.get("error", "no such order")}
        if order["status"] == "delivered":
            return {"changed": False, "reason": "the order has already been delivered"}

        def change() -> None:
            db = self._store.db
            db.execute("UPDATE orders SET address = ? WHERE id = ?", (new_address, order_id))
            db.execute(
                "INSERT INTO address_changes (order_id, old_address, new_address, session_id, "
                "changed_at) VALUES (?, ?, ?, ?, ?)",
                (order_id, order["address"], new_address, self._store.session_id, time.time()),
            )
            db.commit()

        await self._store.run(change)
        return {"changed": True, "order_id": order_id, "new_address": new_address}

    async def check_policy(self, action: str, order_id: str) -> dict[str, Any]:
        """The policy checker: may `action` (change_address | return) be done on the order?"""
        rows = await self._rows("SELECT * FROM orders WHERE id = ?", (str(order_id),))
        if not rows:
            return {"allowed": False, "reason": "no such order"}
        order = rows[0]
        if action == "change_address":
            allowed = order["status"] != "delivered"
            reason = "not delivered yet" if allowed else "already delivered"
        elif action == "return":
            if order["delivered_on"] is None:
                return {"allowed": False, "reason": "not delivered yet"}
            window = SALE_RETURN_WINDOW_DAYS if order["sale_items"] else RETURN_WINDOW_DAYS
            age = _days_between(order["delivered_on"], TODAY)
            allowed = age <= window
            reason = f"delivered {age} days ago, the window is {window} days"
        else:
            return {"allowed": False, "reason": f"unknown action {action!r}"}
        return {"allowed": allowed, "reason": reason, "action": action, "order_id": order_id}

    async def start_return(self, order_id: str, reason: str = "not given") -> dict[str, Any]:
        verdict = await self.check_policy("return", order_id)
        if not verdict["allowed"]:
            return {"started": False, "reason": verdict["reason"]}

        def insert() -> int:
            cursor = self._store.db.execute(
                "INSERT INTO returns (order_id, reason, status, session_id, created_at) "
                "VALUES (?, ?, 'label_sent', ?, ?)",
                (order_id, reason, self._store.session_id, time.time()),
            )
            self._store.db.commit()
            return int(cursor.lastrowid or 0)

        return {"started": True, "return_id": await self._store.run(insert)}

    async def search_knowledge(self, query: str) -> dict[str, Any]:
        hits = self.knowledge.search(query, limit=3)
        return {
            "hits": [
                {"document": h.passage.document, "text": h.passage.text, "score": h.score}
                for h in hits
            ]
        }


def _schema(name: str, description: str, **properties: str) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {
                    key: {"type": "string", "description": text} for key, text in properties.items()
                },
                "required": list(properties),
            },
        },
    }


TOOL_SCHEMAS = [
    _schema(
        "lookup_order", "Status, address and items of an order.", order_id="five-digit order number"
    ),
    _schema("lookup_customer", "Find the caller's account by phone number.", phone="phone number"),
    _schema(
        "change_address",
        "Change the delivery address of an order that is not delivered yet.",
        order_id="order number",
        new_address="the new delivery address",
    ),
    _schema(
        "start_return",
        "Start a return (checks the returns policy first).",
        order_id="order number",
        reason="why the caller returns it",
    ),
    _schema(
        "check_policy",
        "Policy checker: may an action be done on an order?",
        action="change_address or return",
        order_id="order number",
    ),
    _schema(
        "search_knowledge",
        "Search the help articles (policies, delivery, stores).",
        query="the question",
    ),
]
