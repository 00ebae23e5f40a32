"""What people read: pictures and pages rendered from run directories alone."""
