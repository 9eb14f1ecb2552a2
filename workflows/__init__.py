# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Examination workflow: states, transitions, deadlines. Plain Python, no web code."""
