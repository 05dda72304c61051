from . import retention_report_documents
