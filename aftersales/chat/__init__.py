"""The live chat's WebSocket side: consumers, their routes, the widget's signed tokens, working hours, reads."""
