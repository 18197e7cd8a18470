"""Reading customer files; nothing in this package writes to the database.

``columns`` names the columns and their other spellings, ``values`` reads dates and yes/no as people type them
(phones and e-mail addresses are read by ``emarketing.contacts``), ``files`` streams a CSV or Excel file row by
row and ``rows`` cleans one row into typed values or errors.
The writes are in ``customers.services.imports``, the admin screens in ``customers.admin.imports`` and the
background apply step is the task ``customers.tasks.run_import_job``.
"""
