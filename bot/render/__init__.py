"""How an `Answer` is shown: `layout` (what every rendering shows, and the words it uses), `telegram_html`
(Telegram HTML, split under the message limit) and `text` (plain and rich terminal text)."""
