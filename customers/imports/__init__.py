"""Reading customer files; nothing in this package writes to the database.

``columns`` names the fields and their other spellings, ``presets`` the vendors' layouts, ``files`` streams a CSV
or Excel file row by row with its columns mapped, and ``rows`` cleans one row into typed values or errors. Cell
values (dates, yes/no) are read by ``emarketing.cells``, phones and e-mail addresses by ``emarketing.contacts``.
The writes are in ``customers.services.imports``, the admin screens in ``customers.admin.imports`` and the
background apply step is the task ``customers.tasks.run_import_job``.
"""
